#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to standard output at once (not buffered), so that scripts and tests that read
/// the first line of `zenith demo` see it while the process runs.
func printLine(_ line: String) {
    write(line + "\n", to: STDOUT_FILENO)
}

func printToStandardError(_ line: String) {
    write(line + "\n", to: STDERR_FILENO)
}

private func write(_ text: String, to fileDescriptor: Int32) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
