// MSBuild inline task (RoslynCodeTaskFactory). See TorchSharpNativeFix.targets for why it exists.
using System;
using System.IO;
using System.Text;
public class PatchLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public string Directory { get; set; } = "";

    const string Wanted = "GLIBCXX_3.4.32";
    const string Replacement = "GLIBCXX_3.4.30";
    const uint ShtGnuVerneed = 0x6ffffffe;

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        var targets = System.IO.Directory.GetFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        if (targets.Length == 0) return true;
        if (HostHasVersion(Wanted))
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "Host libstdc++ provides " + Wanted + "; no patch needed.");
            return true;
        }
        foreach (var path in targets)
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                int patched = Patch(bytes);
                if (patched == 0) continue;
                // Write a new file and move it over the old one: the output copy may be a hard link
                // into the NuGet cache, which must never change.
                var tmp = path + ".patching";
                File.WriteAllBytes(tmp, bytes);
                File.Delete(path);
                File.Move(tmp, path);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    "Re-tagged " + Wanted + " -> " + Replacement + " in " + path + " (host libstdc++ lacks " + Wanted + ")");
            }
            catch (Exception e)
            {
                Log.LogError("Could not patch " + path + ": " + e.Message);
                return false;
            }
        }
        return true;
    }

    static bool HostHasVersion(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        bool any = false;
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            any = true;
            if (IndexOf(File.ReadAllBytes(c), needle, 0) >= 0) return true;
        }
        // No libstdc++ found where we look: do not patch blindly.
        return !any;
    }

    static int IndexOf(byte[] hay, byte[] needle, int start)
    {
        for (int i = start; i <= hay.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char ch in name)
        {
            h = (h << 4) + (byte)ch;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, (int)o);
    static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
    static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);

    /// <summary>Returns the number of version-needs entries re-tagged (0 when already patched).</summary>
    static int Patch(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");
        ulong shoff = U64(b, 0x28);
        ushort shentsize = U16(b, 0x3A), shnum = U16(b, 0x3C);
        int count = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = (long)shoff + s * shentsize;
            if (U32(b, sh + 4) != ShtGnuVerneed) continue;
            long off = (long)U64(b, sh + 0x18);
            uint link = U32(b, sh + 0x28);
            long strSh = (long)shoff + link * shentsize;
            long strOff = (long)U64(b, strSh + 0x18);
            long vn = off;
            while (true)
            {
                ushort cnt = U16(b, vn + 2);
                uint aux = U32(b, vn + 8), next = U32(b, vn + 12);
                long va = vn + aux;
                for (int i = 0; i < cnt; i++)
                {
                    uint nameOff = U32(b, va + 8);
                    long p = strOff + nameOff;
                    int end = Array.IndexOf(b, (byte)0, (int)p);
                    string name = Encoding.ASCII.GetString(b, (int)p, end - (int)p);
                    if (name == Wanted)
                    {
                        Encoding.ASCII.GetBytes(Replacement).CopyTo(b, (int)p);
                        BitConverter.GetBytes(ElfHash(Replacement)).CopyTo(b, (int)va);
                        count++;
                    }
                    uint vnaNext = U32(b, va + 12);
                    if (vnaNext == 0) break;
                    va += vnaNext;
                }
                if (next == 0) break;
                vn += next;
            }
        }
        return count;
    }
}
