using System.Security.Cryptography;
using Ltc.Coding;
using Ltc.IO;
using Ltc.Tests.Coding;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Writes that must neither destroy nor lose (kind 6) and reads that must stay bounded (kind 7): devices, FIFOs and
/// symbolic links as outputs, outputs that are inputs, all-or-none writes, restore points, and .ltc files read from
/// pipes and devices. Every condition is made here (temporary folders, FIFOs, links); nothing is ever written to a
/// device. What <c>ltc inspect</c> prints for such files is tested in Ltc.Cli.Tests (AtomicFileCliTests).
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private string Fifo(string name) => Fifos.Create(P(name));

    private string[] Leftovers() => Directory.GetFiles(_dir, ".*").Where(f => f.EndsWith(".tmp") || f.EndsWith(".bak")).ToArray();

    [Fact]
    public void DevicesAreRecognizedAndNeverReplaced()
    {
        Assert.True(OperatingSystem.IsLinux());
        foreach (var device in new[] { "/dev/null", "/dev/full", "/dev/zero" })
        {
            Assert.Equal(FileKind.CharacterDevice, AtomicFile.KindOf(device));
            Assert.False(AtomicFile.IsReplaceable(device)); // written into, never renamed over
        }
        Assert.Equal(FileKind.Directory, AtomicFile.KindOf(_dir));
        Assert.Equal(FileKind.Missing, AtomicFile.KindOf(P("none")));
        Assert.Equal(FileKind.Fifo, AtomicFile.KindOf(Fifo("f")));
        Assert.False(AtomicFile.IsReplaceable(P("f")));
        File.WriteAllText(P("r"), "x");
        Assert.Equal(FileKind.Regular, AtomicFile.KindOf(P("r")));
        Assert.True(AtomicFile.IsReplaceable(P("r")));
        Assert.True(AtomicFile.IsReplaceable(P("new")));
        Assert.False(AtomicFile.IsReplaceable("/dev/stdout"));
        Assert.True(AtomicFile.IsStandardOutput("/dev/stdout"));
        Assert.True(AtomicFile.IsStandardOutput("/dev/fd/1"));
        Assert.False(AtomicFile.IsStandardOutput(P("r")));
    }

    [Fact]
    public async Task AFifoIsWrittenStraightIntoAndStaysAFifo()
    {
        string fifo = Fifo("out.fifo");
        var reading = Fifos.ReadAllAsync(fifo);
        var payload = RandomNumberGenerator.GetBytes(300_000);
        AtomicFile.WriteAllBytes(fifo, payload);
        Assert.Equal(payload, await reading.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(FileKind.Fifo, AtomicFile.KindOf(fifo));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void ASymlinkIsFollowedAndItsTargetReplaced()
    {
        Directory.CreateDirectory(P("real"));
        string target = P("real/data.bin");
        File.WriteAllText(target, "old");
        string link = P("link.bin");
        File.CreateSymbolicLink(link, "real/data.bin"); // relative target
        AtomicFile.WriteAllText(link, "new");
        Assert.Equal("real/data.bin", new FileInfo(link).LinkTarget); // still a link
        Assert.Equal("new", File.ReadAllText(target));
        // A dangling link creates its target.
        string dangling = P("dangling.bin");
        File.CreateSymbolicLink(dangling, P("real/created.bin"));
        AtomicFile.WriteAllText(dangling, "made");
        Assert.Equal("made", File.ReadAllText(P("real/created.bin")));
        Assert.NotNull(new FileInfo(dangling).LinkTarget);
        Assert.Empty(Leftovers());
        Assert.Empty(Directory.GetFiles(P("real"), ".*"));
    }

    [Fact]
    public void AReplacedFileKeepsItsPermissions()
    {
        if (!OperatingSystem.IsLinux()) return;
        string path = P("mode.bin");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void OutputsAreCheckedBeforeAnyWork()
    {
        File.WriteAllText(P("in.npy"), "x");
        Directory.CreateDirectory(P("folder"));
        // Missing folder, a folder, an empty path, an output that is an input (however it is named).
        Assert.Contains("does not exist", Assert.Throws<LtcException>(() => AtomicFile.CheckOutput(P("missing/x.npy"))).Message);
        Assert.Contains("directory", Assert.Throws<LtcException>(() => AtomicFile.CheckOutput(P("folder"))).Message);
        Assert.Throws<LtcException>(() => AtomicFile.CheckOutput(""));
        Assert.Contains("overwrite an input", Assert.Throws<LtcException>(() => AtomicFile.CheckOutput(P("in.npy"), P("in.npy"))).Message);
        File.CreateSymbolicLink(P("alias.npy"), P("in.npy"));
        Assert.Throws<LtcException>(() => AtomicFile.CheckOutput(P("alias.npy"), P("in.npy")));
        Assert.Throws<LtcException>(() => AtomicFile.CheckOutput(P("folder/../in.npy"), P("in.npy")));
        Assert.True(AtomicFile.TryHardLink(P("in.npy"), P("hard.npy")));
        Assert.Throws<LtcException>(() => AtomicFile.CheckOutput(P("hard.npy"), P("in.npy")));
        // Fine: another file, a missing input (reported by its reader), a device.
        AtomicFile.CheckOutput(P("out.npy"), P("in.npy"), null, P("nothing.npy"));
        AtomicFile.CheckOutput("/dev/null", "/dev/null");
        Assert.Equal("x", File.ReadAllText(P("in.npy")));
    }

    [Fact]
    public void AFailedWriteLeavesTheOldFileAndNoTemporaryFile()
    {
        string path = P("keep.bin");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(Leftovers());
        // Into a FIFO: nothing is sent when the writer fails (the content is spooled first).
        string fifo = Fifo("f");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(fifo, _ => throw new InvalidOperationException("boom")));
        Assert.Equal(FileKind.Fifo, AtomicFile.KindOf(fifo));
    }

    [Fact]
    public void AFolderThatTakesNoNewFilesIsReportedAgainstTheOutputNamed()
    {
        // /proc exists and refuses new files, even to root (a read-only folder would not stop root).
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self")) return;
        var e = Assert.Throws<LtcException>(() => AtomicFile.WriteAllText("/proc/x.csv", "x"));
        Assert.StartsWith("/proc/x.csv: cannot write a file in /proc (", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        // Checked before any work, too (a training must not find it out at its end).
        e = Assert.Throws<LtcException>(() => AtomicFile.CheckOutput("/proc/x.csv"));
        Assert.StartsWith("/proc/x.csv: cannot write a file in /proc (", e.Message);
    }

    [Fact]
    public void ASetOfOutputsIsWrittenAllOrNone()
    {
        File.WriteAllText(P("b.txt"), "old b");
        using (var set = new AtomicFileSet())
        {
            set.Write(P("a.txt"), s => s.Write("new a"u8));
            Assert.Throws<IOException>(() => set.Write(P("b.txt"), _ => throw new IOException("disk full")));
        } // disposed without commit
        Assert.False(File.Exists(P("a.txt")));
        Assert.Equal("old b", File.ReadAllText(P("b.txt")));
        Assert.Empty(Leftovers());

        using (var set = new AtomicFileSet())
        {
            set.Write(P("a.txt"), s => s.Write("new a"u8));
            set.Write(P("b.txt"), s => s.Write("new b"u8));
            Assert.False(File.Exists(P("a.txt"))); // nothing visible before the commit
            set.Commit();
        }
        Assert.Equal("new a", File.ReadAllText(P("a.txt")));
        Assert.Equal("new b", File.ReadAllText(P("b.txt")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void ARestorePointUndoesTheWritesOfAFailedCommand()
    {
        // A file the command created is removed; one it replaced comes back; accepted changes stay.
        string created = P("created.ltcm"), replaced = P("replaced.ltcm"), kept = P("kept.ltcm");
        File.WriteAllText(replaced, "previous");
        File.WriteAllText(kept, "previous");
        using (var a = new FileRestorePoint(created))
        using (var b = new FileRestorePoint(replaced))
        using (var c = new FileRestorePoint(kept))
        {
            Assert.False(a.Changed || b.Changed || c.Changed);
            AtomicFile.WriteAllText(created, "checkpoint");
            AtomicFile.WriteAllText(replaced, "checkpoint");
            AtomicFile.WriteAllText(kept, "finished");
            Assert.True(a.Changed && b.Changed && c.Changed);
            c.Keep();
        }
        Assert.False(File.Exists(created));
        Assert.Equal("previous", File.ReadAllText(replaced));
        Assert.Equal("finished", File.ReadAllText(kept));
        // Unchanged: nothing to undo, and the backup link goes away.
        using (new FileRestorePoint(replaced)) { }
        Assert.Equal("previous", File.ReadAllText(replaced));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void AnLtcFileIsReadFromAPipeAsAStream()
    {
        var bytes = LtcFileSamples.Streamed();
        string fifo = Fifo("in.fifo");
        Fifos.WriteAllAsync(fifo, bytes);
        using var r = LtcReader.Open(fifo);
        Assert.True(r.IsStream);
        Assert.Equal(3 + (3 << 20), r.ValidateAll());
        Assert.Equal(bytes.Length, r.FileBytes);
    }

    [Fact]
    public void StreamsWithLyingLengthsAndDevicesAreOneLineErrors()
    {
        // /dev/zero: the magic is checked on the first bytes, nothing more is read.
        var e = Assert.Throws<LtcFormatException>(() => LtcReader.Open("/dev/zero"));
        Assert.Contains("bad magic", e.Message);
        // A stream whose last chunk claims 1 GiB but ends: truncated, after reading only what is there.
        var bytes = LtcFileSamples.Streamed();
        var damaged = bytes[..^((3 << 20) + 8)].Concat(new byte[] { 0, 0, 0, 0x40, 0, 0, 0, 0 }).Concat(new byte[100]).ToArray();
        using var r = LtcReader.Open(new NonSeekable(damaged), "pipe");
        Assert.NotNull(r.ReadChunk());
        Assert.Contains("truncated", Assert.Throws<LtcFormatException>(() => r.ReadChunk()).Message);
        // A folder and an empty path.
        Assert.Throws<LtcException>(() => LtcReader.Open(_dir));
        Assert.Throws<LtcException>(() => LtcReader.Open(""));
    }

    private sealed class NonSeekable(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
