namespace MaskRcnn.Cli.Commands;

/// <summary>The action of a command whose library parts are still being written: exit 1, naming what is missing.</summary>
static class Unavailable
{
    public static int Fail(string missing) => throw CliException.NotAvailableYet(missing);
}
