using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace FarmChat.DotNetClientTests;

// A real farmchat-node for a test: the binary comes from FARMCHAT_NODE_BIN (ctest
// sets it), it listens on 127.0.0.1 and is ready once it printed its
// "listening http://HOST:PORT" line. Killed on dispose and when the test
// process exits, so a failing test leaves nothing running.
public sealed partial class NodeProcess : IAsyncDisposable
{
    private static readonly HashSet<Process> Running = [];
    private readonly Process _process;
    private readonly List<string> _output = [];
    private bool _disposed;

    static NodeProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Running)
                foreach (var process in Running)
                    process.Kill();
        };
    }

    private NodeProcess(Process process, IReadOnlyList<string> arguments)
    {
        _process = process;
        Arguments = arguments;
    }

    public IReadOnlyList<string> Arguments { get; }
    public int Port { get; private set; }
    public string Url => $"http://127.0.0.1:{Port}";
    public string HubUrl => $"{Url}/chat";

    public string Output
    {
        get
        {
            lock (_output)
                return string.Join('\n', _output);
        }
    }

    public static string Binary =>
        Environment.GetEnvironmentVariable("FARMCHAT_NODE_BIN") is { Length: > 0 } bin && File.Exists(bin)
            ? bin
            : throw new InvalidOperationException("FARMCHAT_NODE_BIN is not set or missing: run these tests through ctest");

    // Starts a node (port 0 unless `port` is given) and waits for its ready line.
    public static async Task<NodeProcess> StartAsync(string nodeId, int port = 0, params string[] extra)
    {
        var arguments = new List<string> { "--port", port.ToString(), "--bind", "127.0.0.1", "--node-id", nodeId };
        arguments.AddRange(extra);
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        arguments.ForEach(info.ArgumentList.Add);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {Binary}");
        lock (Running)
            Running.Add(process);
        var node = new NodeProcess(process, arguments);
        await node.WaitForListeningAsync(TimeSpan.FromSeconds(10));
        return node;
    }

    private async Task WaitForListeningAsync(TimeSpan timeout)
    {
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, null);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(timeout));
        if (first != listening.Task)
            throw new InvalidOperationException(
                $"farmchat-node {string.Join(' ', Arguments)} {(first == exited ? "exited" : "printed no listening line")}; output:\n{Output}");
        Port = await listening.Task;
    }

    private void OnLine(string? line, TaskCompletionSource<int>? listening)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
        if (listening is not null && ListeningLine().Match(line) is { Success: true } match)
            listening.TrySetResult(int.Parse(match.Groups[1].Value));
    }

    // SIGTERM, as a launcher or Ctrl-C would stop it; SIGKILL if it hangs.
    public async Task StopAsync()
    {
        if (!_process.HasExited)
            _ = Kill(_process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
            _process.Kill();
        await _process.WaitForExitAsync();
        lock (Running)
            Running.Remove(_process);
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"^listening http://\S+:(\d+)$")]
    private static partial Regex ListeningLine();
}
