using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ltc.IO;

/// <summary>What a path names, after following symbolic links.</summary>
public enum FileKind
{
    /// <summary>Nothing (or a dangling symbolic link).</summary>
    Missing,
    /// <summary>A regular file.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A named pipe.</summary>
    Fifo,
    /// <summary>A character device (/dev/null, /dev/full, a terminal, ...).</summary>
    CharacterDevice,
    /// <summary>A block device.</summary>
    BlockDevice,
    /// <summary>A socket.</summary>
    Socket,
    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>
/// Writes files so that nothing is lost or destroyed.
/// <list type="bullet">
/// <item>A regular file (or a new one) is written to a temporary file beside it, which is renamed into place only when
/// complete: a crash or an error leaves the old file (if any) untouched.</item>
/// <item>A symbolic link is followed: its final target is replaced that way and the link stays a link.</item>
/// <item>Anything that is not a regular file (a device such as <c>/dev/null</c>, a FIFO, a terminal, standard output
/// as <c>/dev/stdout</c> or <c>/dev/fd/N</c>) is never replaced: the content is first spooled to a temporary file
/// (so writers may seek, and a failed write sends nothing) and then copied straight into it.</item>
/// </list>
/// <see cref="CheckOutput"/> checks an output path before any work; <see cref="AtomicFileSet"/> writes several
/// outputs all or none; <see cref="FileRestorePoint"/> undoes the writes of a failed long command.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <exception cref="LtcException">The path is empty or a directory, its folder does not exist, or no file can be
    /// created in it.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var set = new AtomicFileSet();
        set.Write(path, write);
        set.Commit();
    }

    /// <summary>Writes all bytes to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes text (UTF-8) to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Checks, before any work, that <paramref name="path"/> can be written as an output: not empty, not a directory,
    /// its folder exists, and it is none of <paramref name="inputs"/> (the same file, however named: through links,
    /// relative paths or hard links). Null inputs are ignored.
    /// </summary>
    /// <exception cref="LtcException">The first problem found, in one line.</exception>
    public static void CheckOutput(string path, params string?[] inputs)
    {
        var target = Resolve(path);
        // A folder that takes no new files would otherwise be found out only at the end of a long training.
        if (target.Renamed)
        {
            var dir = System.IO.Path.GetDirectoryName(target.Final) ?? ".";
            AtomicFileSet.CreateTemporary(path, dir, AtomicFileSet.TemporaryPath(target.Final), FileOptions.DeleteOnClose).Dispose();
        }
        foreach (var input in inputs)
            if (!string.IsNullOrEmpty(input) && SameFile(path, input))
                throw new LtcException($"{path}: the output would overwrite an input ({input}); write it to another file");
    }

    /// <summary>
    /// Checks, before any work, that <paramref name="path"/> names something to read: not empty, existing, not a
    /// directory. (Devices and FIFOs pass; their readers bound what they read.)
    /// </summary>
    /// <exception cref="LtcException">The first problem found, in one line.</exception>
    public static void CheckInput(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new LtcException("the input path is empty");
        if (path.Contains('\0')) throw new LtcException("the input path contains a NUL character");
        switch (KindOf(path))
        {
            case FileKind.Missing: throw new LtcException($"{path}: file not found");
            case FileKind.Directory: throw new LtcException($"{path}: is a directory, not a file");
        }
    }

    /// <summary>
    /// Whether two paths name the same existing regular file (same device and inode where the system says so, else the
    /// same path after following links). Devices, FIFOs and missing files are never "the same file" as anything.
    /// </summary>
    public static bool SameFile(string a, string b)
    {
        if (string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b)) return false;
        var sa = FileStat.Of(a);
        var sb = FileStat.Of(b);
        if (sa.Kind != FileKind.Regular || sb.Kind != FileKind.Regular) return false;
        if (sa.Identity is { } ia && sb.Identity is { } ib) return ia == ib;
        return string.Equals(FinalPath(a), FinalPath(b), StringComparison.Ordinal);
    }

    /// <summary>What <paramref name="path"/> names, following symbolic links.</summary>
    public static FileKind KindOf(string path) => string.IsNullOrEmpty(path) ? FileKind.Missing : FileStat.Of(path).Kind;

    /// <summary>
    /// Whether <paramref name="path"/> is this process's standard output (<c>/dev/stdout</c>, <c>/dev/fd/1</c>,
    /// <c>/proc/self/fd/1</c>, or a link to one of them): commands print their report on stderr then.
    /// </summary>
    public static bool IsStandardOutput(string path) => !string.IsNullOrEmpty(path) && DescriptorOf(path) == 1;

    /// <summary>
    /// Whether <paramref name="path"/> is a regular file (or a link to one), the only kind of file Ltc reads with random
    /// access; devices and FIFOs must be read as bounded streams.
    /// </summary>
    public static bool IsRegularFile(string path) => KindOf(path) == FileKind.Regular;

    /// <summary>
    /// Whether writes to <paramref name="path"/> replace a regular file (through a temporary file and a rename), as
    /// opposed to being copied into a device, FIFO or open descriptor, which can take one whole output but not a
    /// series of checkpoints.
    /// </summary>
    public static bool IsReplaceable(string path)
    {
        try { return Resolve(path).Renamed; }
        catch (LtcException) { return false; }
    }

    /// <summary>Where a write to a path lands and how.</summary>
    internal readonly record struct Target(string Path, string Final, FileKind Kind, int? Descriptor)
    {
        /// <summary>Written through a temporary file renamed over <see cref="Final"/>.</summary>
        public bool Renamed => Descriptor is null && Kind is FileKind.Regular or FileKind.Missing;
    }

    internal static Target Resolve(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new LtcException("the output path is empty");
        if (path.Contains('\0')) throw new LtcException("the output path contains a NUL character");
        int? fd = DescriptorOf(path);
        var kind = FileStat.Of(path).Kind;
        if (kind == FileKind.Directory) throw new LtcException($"{path}: is a directory");
        if (fd is not null) return new Target(path, path, kind, fd);
        string final = FinalPath(path);
        if (kind is FileKind.Regular or FileKind.Missing)
        {
            var dir = System.IO.Path.GetDirectoryName(final) ?? ".";
            if (!System.IO.Directory.Exists(dir)) throw new LtcException($"{path}: directory {dir} does not exist");
            if (final.EndsWith('/') || System.IO.Path.GetFileName(final).Length == 0) throw new LtcException($"{path}: is a directory");
        }
        return new Target(path, final, kind, null);
    }

    /// <summary>The full path after following every symbolic link of the last component (a missing target is kept).</summary>
    internal static string FinalPath(string path)
    {
        string current = System.IO.Path.GetFullPath(path);
        for (int hops = 0; hops < 40; hops++)
        {
            string? link;
            try { link = new FileInfo(current).LinkTarget; }
            catch (IOException) { break; }
            catch (UnauthorizedAccessException) { break; }
            if (link is null) break;
            current = System.IO.Path.GetFullPath(link, System.IO.Path.GetDirectoryName(current) ?? "/");
        }
        return current;
    }

    /// <summary>
    /// The open descriptor a path stands for (<c>/dev/stdout</c> 1, <c>/dev/stderr</c> 2, <c>/dev/fd/N</c>,
    /// <c>/proc/self/fd/N</c>, or a link to one); null for other paths. Writing to the descriptor keeps what the shell
    /// set up (appending, a pipe, a terminal) instead of reopening or replacing whatever it points to.
    /// </summary>
    internal static int? DescriptorOf(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return null;
        string current = System.IO.Path.GetFullPath(path);
        for (int hops = 0; hops < 40; hops++)
        {
            if (current is "/dev/stdout") return 1;
            if (current is "/dev/stderr") return 2;
            if (current is "/dev/stdin") return 0;
            foreach (var prefix in new[] { "/dev/fd/", "/proc/self/fd/", $"/proc/{Environment.ProcessId}/fd/" })
                if (current.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(current.AsSpan(prefix.Length), out int n) && n >= 0)
                    return n;
            string? link;
            try { link = new FileInfo(current).LinkTarget; }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
            if (link is null) return null;
            current = System.IO.Path.GetFullPath(link, System.IO.Path.GetDirectoryName(current) ?? "/");
        }
        return null;
    }

    /// <summary>Deletes a file if it can (temporary files on the way out); never throws for I/O reasons.</summary>
    public static void DeleteQuietly(string? path)
    {
        if (path is null) return;
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Creates a hard link <paramref name="link"/> to <paramref name="existing"/>; false where links are not possible.</summary>
    internal static bool TryHardLink(string existing, string link)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return NativeMethods.link(existing, link) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA2101 // plain P/Invoke: no source generator needed for two calls; paths are UTF-8 on Linux
        internal static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
#pragma warning restore SYSLIB1054, CA2101
    }
}

/// <summary>
/// Several outputs written all or none: each <see cref="Write"/> stages its content (a temporary file beside a regular
/// target, a spool for a device or FIFO); <see cref="Commit"/> renames or copies every staged output into place.
/// Disposing without committing removes everything staged, so a failed command writes nothing.
/// </summary>
public sealed class AtomicFileSet : IDisposable
{
    private readonly List<(AtomicFile.Target Target, string Temp, FileStream? Spool)> _staged = [];
    private bool _committed;

    /// <summary>Stages <paramref name="path"/>'s new content, written by <paramref name="write"/>.</summary>
    /// <exception cref="LtcException">The path is empty or a directory, its folder does not exist, or no file can be
    /// created in it.</exception>
    public void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (_committed) throw new InvalidOperationException("the set is committed");
        var target = AtomicFile.Resolve(path);
        if (_staged.Any(s => s.Target.Final == target.Final && target.Descriptor is null))
            throw new LtcException($"{path}: the same file is written twice");
        if (target.Renamed)
        {
            var dir = Path.GetDirectoryName(target.Final) ?? ".";
            var tmp = TemporaryPath(target.Final);
            using var fs = CreateTemporary(path, dir, tmp);
            _staged.Add((target, tmp, null));
            write(fs);
            fs.Flush(flushToDisk: true);
        }
        else
        {
            // A device, FIFO or open descriptor: spool (seekable, removed on close), copy at commit.
            var tmp = Path.Combine(Path.GetTempPath(), $"ltc-spool-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
            var spool = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            _staged.Add((target, tmp, spool));
            write(spool);
            spool.Flush();
        }
    }

    // Beside the file it replaces (a rename across folders would not be atomic), hidden, unique per process and call.
    internal static string TemporaryPath(string final) => Path.Combine(Path.GetDirectoryName(final) ?? ".",
        $".{Path.GetFileName(final)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    // The temporary file's name was never typed: a folder that takes no new files (/proc, a read-only mount, no
    // permission) is reported against the output the user named.
    internal static FileStream CreateTemporary(string path, string dir, string tmp, FileOptions options = FileOptions.None)
    {
        try
        {
            return new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "the folder takes no new files",
                _ => "the system refused",
            };
            throw new LtcException($"{path}: cannot write a file in {dir} ({why})");
        }
    }

    /// <summary>Moves every staged output into place (regular files by rename, the others by copying into them).</summary>
    public void Commit()
    {
        if (_committed) throw new InvalidOperationException("the set is committed");
        _committed = true;
        try
        {
            foreach (var (target, temp, spool) in _staged)
            {
                if (spool is null)
                {
                    KeepMode(target.Final, temp);
                    File.Move(temp, target.Final, overwrite: true);
                    continue;
                }
                spool.Position = 0;
                using var sink = target.Descriptor is int fd
                    ? new FileStream(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, 1 << 16)
                    : new FileStream(target.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
                spool.CopyTo(sink);
                sink.Flush();
            }
        }
        finally
        {
            Cleanup();
        }
    }

    /// <summary>Removes whatever is still staged.</summary>
    public void Dispose() => Cleanup();

    private void Cleanup()
    {
        foreach (var (_, temp, spool) in _staged)
        {
            if (spool is not null) spool.Dispose();
            else if (File.Exists(temp)) AtomicFile.DeleteQuietly(temp);
        }
        _staged.Clear();
    }

    // A replaced file keeps its permissions (a new one gets the usual ones from the umask).
    private static void KeepMode(string final, string temp)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            if (File.Exists(final)) File.SetUnixFileMode(temp, File.GetUnixFileMode(final));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// Remembers what an output path held before a long command (train, sweep) starts writing it, so that a failure can
/// put it back: <see cref="Restore"/> deletes a file the command created, or brings back the previous content (kept
/// through a hard link, or a copy); <see cref="Keep"/> accepts the new content. Only regular files are tracked:
/// devices and FIFOs are never replaced in the first place.
/// </summary>
public sealed class FileRestorePoint : IDisposable
{
    private readonly string _final;
    private readonly string? _backup;
    private readonly bool _existed;
    private readonly (ulong, ulong)? _identity;
    private bool _done;

    /// <summary>Records the state of <paramref name="path"/>.</summary>
    public FileRestorePoint(string path)
    {
        var target = AtomicFile.Resolve(path);
        _final = target.Final;
        if (!target.Renamed)
        {
            _done = true;
            return;
        }
        _existed = target.Kind == FileKind.Regular;
        _identity = FileStat.Of(_final).Identity;
        if (_existed)
        {
            var backup = Path.Combine(Path.GetDirectoryName(_final) ?? ".", $".{Path.GetFileName(_final)}.{Environment.ProcessId}.{Guid.NewGuid():N}.bak");
            if (!AtomicFile.TryHardLink(_final, backup)) File.Copy(_final, backup);
            _backup = backup;
        }
    }

    /// <summary>Whether the path was written (replaced, created or removed) since the restore point was made.</summary>
    public bool Changed
    {
        get
        {
            var now = FileStat.Of(_final);
            bool exists = now.Kind != FileKind.Missing;
            if (exists != _existed) return true;
            return exists && (now.Identity is null || now.Identity != _identity);
        }
    }

    /// <summary>Accepts whatever the path holds now and forgets the previous content.</summary>
    public void Keep()
    {
        if (_done) return;
        _done = true;
        AtomicFile.DeleteQuietly(_backup);
    }

    /// <summary>Puts the path back as it was (deletes it if it did not exist).</summary>
    public void Restore()
    {
        if (_done) return;
        bool changed = Changed;
        _done = true;
        // Unchanged: the backup is a second link to the same file (rename(2) would do nothing), so it just goes.
        if (!changed) AtomicFile.DeleteQuietly(_backup);
        else if (_backup is not null) File.Move(_backup, _final, overwrite: true);
        else if (!_existed) AtomicFile.DeleteQuietly(_final);
    }

    /// <summary>Restores unless <see cref="Keep"/> was called.</summary>
    public void Dispose()
    {
        try { Restore(); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The type and identity of a file from stat(2) (following links), where the platform provides it.</summary>
internal readonly record struct FileStat(FileKind Kind, (ulong Device, ulong Inode)? Identity)
{
    private static bool _nativeBroken;

    public static FileStat Of(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0')) return new(FileKind.Missing, null);
        if (OperatingSystem.IsLinux() && !_nativeBroken && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64))
        {
            try { return Native(path); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { _nativeBroken = true; }
        }
        if (Directory.Exists(path)) return new(FileKind.Directory, null);
        if (!File.Exists(path)) return new(FileKind.Missing, null);
        // Without stat(2): treat what lives under /dev and /proc as a device, everything else as a regular file.
        string full = Path.GetFullPath(path);
        bool special = full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal);
        return new(special ? FileKind.CharacterDevice : FileKind.Regular, null);
    }

    private static FileStat Native(string path)
    {
        var buf = new byte[256];
        int rc;
        try { rc = stat(path, buf); }
        catch (EntryPointNotFoundException) { rc = __xstat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buf); }
        if (rc != 0) return new(FileKind.Missing, null);
        ulong dev = BitConverter.ToUInt64(buf, 0), ino = BitConverter.ToUInt64(buf, 8);
        // struct stat: x86-64 has st_nlink (8 bytes) before st_mode; the generic layout (arm64) has st_mode first.
        uint mode = BitConverter.ToUInt32(buf, RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return new(kind, (dev, ino));
    }

#pragma warning disable SYSLIB1054, CA2101, IDE1006
    [DllImport("libc", SetLastError = true)]
    private static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf);

    [DllImport("libc", SetLastError = true)]
    private static extern int __xstat(int version, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf);
#pragma warning restore SYSLIB1054, CA2101, IDE1006
}
