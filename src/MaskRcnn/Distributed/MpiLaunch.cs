namespace MaskRcnn.Distributed;

/// <summary>
/// Recognises a process started by an MPI launcher and opens the matching communicator: Open MPI's
/// <c>mpirun</c>/<c>mpiexec</c> (<c>OMPI_COMM_WORLD_SIZE</c>), PMIx launchers such as <c>srun --mpi=pmix</c> or
/// Kubeflow's MPIJob (<c>PMIX_RANK</c>) and PMI-2 launchers such as <c>srun --mpi=pmi2</c> (<c>PMI_RANK</c>).
/// Slurm's <c>SLURM_PROCID</c> alone does not count: plain <c>srun</c> without an MPI plugin starts independent processes.
/// </summary>
public static class MpiLaunch
{
    static readonly string[] LauncherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"];

    /// <summary>The environment variable that shows an MPI launch, or null when the process was started on its own.</summary>
    public static string? DetectedBy(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return LauncherVariables.FirstOrDefault(v => !string.IsNullOrEmpty(environment(v)));
    }

    /// <summary>
    /// An <see cref="MpiCommunicator"/> under an MPI launcher, else <see cref="SingleProcessCommunicator.Instance"/>
    /// (so the same command runs with and without MPI).
    /// </summary>
    /// <exception cref="DllNotFoundException">Started by an MPI launcher but Open MPI's library is missing; the message says so.</exception>
    public static ICommunicator Open()
    {
        string? variable = DetectedBy();
        if (variable is null) return SingleProcessCommunicator.Instance;
        try
        {
            return MpiCommunicator.Initialize();
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException($"started by an MPI launcher ({variable} is set) but {e.Message}", e);
        }
    }
}
