namespace MaskRcnn.Inference;

/// <summary>
/// Writes a file under a temporary name beside it and renames it into place when complete (rename is atomic
/// within a file system), so a process killed mid-write leaves either the old file or none — never half a file that
/// a re-run would take for done.
/// </summary>
public static class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> with a temporary path, then moves that file to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        // The process id keeps two writers of the same file (a task started twice by a scheduler) apart.
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
