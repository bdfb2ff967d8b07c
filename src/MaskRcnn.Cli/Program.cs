using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.InteropServices;
using MaskRcnn.Cli.Commands;

namespace MaskRcnn.Cli;

public static class Program
{
    const string VerboseOption = "--verbose";

    public static int Main(string[] args)
    {
        bool interactive = !Console.IsOutputRedirected && !Console.IsErrorRedirected;
        using var stop = new CancellationTokenSource();
        // The first Ctrl+C (or SIGTERM) asks the command to stop cleanly; a second Ctrl+C ends the process at once.
        Console.CancelKeyPress += (_, e) =>
        {
            if (stop.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine("maskrcnn: stopping after the current step (Ctrl+C again to abort)");
            stop.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        return Run(args, Console.Out, Console.Error, interactive, stop.Token);
    }

    /// <summary>
    /// Runs the CLI in-process. Exit codes: 0 success, 1 runtime failure, 2 usage error. Errors are one line on
    /// <paramref name="err"/> (<c>maskrcnn: error: ...</c>); <c>--verbose</c> adds the stack trace.
    /// </summary>
    public static int Run(string[] args, TextWriter @out, TextWriter err, bool interactive = false, CancellationToken cancellation = default)
    {
        var context = new CliContext(@out, err, interactive, cancellation);
        var root = BuildRootCommand(context);
        var verboseOption = root.Options.OfType<Option<bool>>().Single(o => o.Name == VerboseOption);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            err.WriteLine($"maskrcnn: error: {OneLine(parse.Errors[0].Message)} (see '{HelpHint(parse)}')");
            return ExitCodes.Usage;
        }
        bool verbose = parse.GetValue(verboseOption);
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = @out,
                Error = err,
                EnableDefaultExceptionHandler = false,
                // Termination signals are handled in Main (CliContext.Cancellation): stopping a training cleanly
                // takes far longer than the grace period System.CommandLine would give.
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e)
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            err.WriteLine($"maskrcnn: error: {OneLine(cause.Message)}");
            if (verbose) err.WriteLine(cause);
            return cause is CliException cli ? cli.ExitCode : ExitCodes.Failure;
        }
    }

    public static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("Mask R-CNN (torchvision semantics) on TorchSharp: train, evaluate and run instance segmentation.");
        root.Options.Add(new Option<bool>(VerboseOption) { Description = "Print stack traces with errors", Recursive = true });
        root.Options.Add(CommonOptions.Device());
        foreach (var option in root.Options.OfType<VersionOption>()) option.Action = new PrintVersion(context);
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(PredictCommand.Create(context));
        root.Subcommands.Add(MergeCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(EvalCommand.Create(context));
        root.Subcommands.Add(ConvertCommand.Create(context));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(InfoCommand.Create(context));
        root.Subcommands.Add(BenchmarkCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.SetAction(new Func<ParseResult, int>(_ => throw new CliException("no command given (see 'maskrcnn --help')", ExitCodes.Usage)));
        return root;
    }

    /// <summary>The library's informational version (the package version, with the commit when built from git).</summary>
    public static string Version =>
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Program).Assembly.GetName().Version?.ToString() ?? "unknown";

    static string HelpHint(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Command is RootCommand ? "maskrcnn" : r.Command.Name);
        return string.Join(' ', names) + " --help";
    }

    static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // The default version action prints the entry assembly's version, which is the test host's when run in-process.
    sealed class PrintVersion(CliContext context) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            context.Out.WriteLine(Version);
            return ExitCodes.Success;
        }
    }
}
