using System.Runtime.InteropServices;

namespace MaskRcnn.Distributed;

/// <summary>
/// <see cref="ICommunicator"/> over Open MPI's C library (<c>libmpi.so.40</c>, Open MPI 4.x as in Debian 12 and most
/// clusters), bound at run time without a compiled shim.
/// </summary>
/// <remarks>
/// Why no C shim: Open MPI's predefined handles are not constants but the addresses of global objects —
/// <c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>, <c>MPI_FLOAT</c> <c>&amp;ompi_mpi_float</c>,
/// <c>MPI_SUM</c> <c>&amp;ompi_mpi_op_sum</c> (mpi.h) — so resolving those symbols with dlsym gives exactly what
/// a compiled caller passes, and nothing has to be built on the user's machine. The cost is that this binding is
/// Open MPI's ABI only (MPICH's handles are integers); an MPICH binding would be another implementation of the interface.
/// libmpi is opened with <c>RTLD_GLOBAL</c> because Open MPI's plugins (<c>mca_*.so</c>) resolve its symbols from the
/// global namespace; .NET's own loader opens libraries <c>RTLD_LOCAL</c>, which makes <c>MPI_Init</c> fail.
/// Errors: MPI's default handler (<c>MPI_ERRORS_ARE_FATAL</c>) aborts the job on any communication failure, including
/// a peer that died, so a failed call never returns here; the return codes are checked anyway.
/// </remarks>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>The Open MPI 4.x library soname.</summary>
    public const string LibraryName = "libmpi.so.40";

    // MPI_IN_PLACE in Open MPI's mpi.h: ((void *) 1).
    static readonly void* InPlace = (void*)1;
    // MPI's int counts: chunks keep each call's count in range.
    const int MaxCount = 1 << 30;

    readonly nint library, commWorld, floatType, byteType, sumOp;
    readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> allreduce;
    readonly delegate* unmanaged<void*, int, nint, int, nint, int> bcast;
    readonly delegate* unmanaged<nint, int> barrier;
    readonly delegate* unmanaged<nint, int, int> abort;
    readonly delegate* unmanaged<int> finalize;
    bool disposed;

    public int Rank { get; }

    public int Size { get; }

    MpiCommunicator(nint library)
    {
        this.library = library;
        commWorld = Symbol("ompi_mpi_comm_world");
        floatType = Symbol("ompi_mpi_float");
        byteType = Symbol("ompi_mpi_byte");
        sumOp = Symbol("ompi_mpi_op_sum");
        var init = (delegate* unmanaged<int*, byte***, int>)Symbol("MPI_Init");
        var initialized = (delegate* unmanaged<int*, int>)Symbol("MPI_Initialized");
        var commRank = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_rank");
        var commSize = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_size");
        allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Symbol("MPI_Allreduce");
        bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Symbol("MPI_Bcast");
        barrier = (delegate* unmanaged<nint, int>)Symbol("MPI_Barrier");
        abort = (delegate* unmanaged<nint, int, int>)Symbol("MPI_Abort");
        finalize = (delegate* unmanaged<int>)Symbol("MPI_Finalize");

        int flag = 0;
        Check(initialized(&flag), "MPI_Initialized");
        if (flag == 0) Check(init(null, null), "MPI_Init");
        int rank = 0, size = 0;
        Check(commRank(commWorld, &rank), "MPI_Comm_rank");
        Check(commSize(commWorld, &size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
    }

    /// <summary>Loads libmpi and initialises MPI (MPI_Init); the process must have been started by an MPI launcher.</summary>
    /// <exception cref="DllNotFoundException">Open MPI's library is not installed.</exception>
    public static MpiCommunicator Initialize()
    {
        const int RtldNow = 2, RtldGlobal = 0x100;
        nint handle = dlopen(LibraryName, RtldNow | RtldGlobal);
        if (handle == 0)
            throw new DllNotFoundException($"{LibraryName} could not be loaded ({Marshal.PtrToStringUTF8(dlerror()) ?? "unknown reason"}); " +
                                           "install Open MPI 4 (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)");
        return new MpiCommunicator(handle);
    }

    public void AllReduceSum(Span<float> buffer)
    {
        fixed (float* p = buffer)
            for (int offset = 0; offset < buffer.Length; offset += MaxCount)
                Check(allreduce(InPlace, p + offset, Math.Min(MaxCount, buffer.Length - offset), floatType, sumOp, commWorld), "MPI_Allreduce");
    }

    public void Broadcast(Span<byte> buffer, int root = 0)
    {
        fixed (byte* p = buffer)
            for (int offset = 0; offset < buffer.Length; offset += MaxCount)
                Check(bcast(p + offset, Math.Min(MaxCount, buffer.Length - offset), byteType, root, commWorld), "MPI_Bcast");
    }

    public void Barrier() => Check(barrier(commWorld), "MPI_Barrier");

    public void Abort(string message, int exitCode = 1)
    {
        Console.Error.WriteLine($"maskrcnn: rank {Rank} of {Size}: {message}; aborting the job");
        Console.Error.Flush();
        abort(commWorld, exitCode);
    }

    /// <summary>MPI_Finalize; collective, so every rank must reach it.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        finalize();
    }

    nint Symbol(string name) => NativeLibrary.TryGetExport(library, name, out nint address)
        ? address
        : throw new EntryPointNotFoundException($"{LibraryName} has no symbol {name}: not Open MPI 4 (this binding follows Open MPI's ABI)");

    static void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"{call} failed with MPI error code {code}");
    }

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport("libc.so.6", EntryPoint = "dlerror")]
    static extern nint dlerror();
}
