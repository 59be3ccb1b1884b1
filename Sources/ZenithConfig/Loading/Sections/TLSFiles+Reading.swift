extension TLSFiles {
    /// Reads `[tls]`, resolving both paths against the config file's directory; nil when a file is
    /// missing from the config or from the disk (both reported).
    init?(reading section: inout ConfigSectionReader, configFile: String) {
        func existingFile(_ key: String) -> String? {
            guard let written = section.readRequired(key, as: .string) else { return nil }
            let path = ConfigPath.resolve(written, relativeTo: configFile)
            guard FileKind(atPath: path) == .file else {
                section.report("\(key) file '\(path)' does not exist or is not a file", at: key)
                return nil
            }
            return path
        }
        let certificate = existingFile("certificate")
        let key = existingFile("key")
        guard let certificate, let key else { return nil }
        self.init(certificate: certificate, key: key)
    }
}
