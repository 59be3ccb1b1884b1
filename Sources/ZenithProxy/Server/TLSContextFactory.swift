import NIOSSL
import ZenithConfig

/// Builds the TLS server context of the https listeners from `[tls]`: the PEM chain and key,
/// TLS 1.2 at least (NIO's default minimum is 1.0), forward-secret AEAD ciphers only for TLS 1.2
/// (TLS 1.3's suites are all modern), ALPN offering `h2` then `http/1.1`.
public enum TLSContextFactory {
    /// The TLS 1.2 suites of Mozilla's "intermediate" profile: ECDHE key exchange, AES-GCM or
    /// ChaCha20-Poly1305; no CBC, no RSA key exchange, no SHA-1 MACs.
    static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Why the certificate or key cannot be used, for `zenith check` and reload messages.
    public struct Failure: Error, CustomStringConvertible {
        public var file: String
        public var message: String
        public var description: String { "\(self.file): error: \(self.message)" }
    }

    public static func makeContext(_ files: TLSFiles) throws(Failure) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificate)
        } catch {
            throw Failure(file: files.certificate, message: "cannot read the certificate chain: \(error)")
        }
        guard !chain.isEmpty else {
            throw Failure(file: files.certificate, message: "no PEM certificate in the file")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.key, format: .pem)
        } catch {
            throw Failure(file: files.key, message: "cannot read the private key: \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = Self.tls12CipherSuites
        configuration.applicationProtocols = ["h2", "http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(file: files.key, message: "the key does not fit the certificate or is unusable: \(error)")
        }
    }
}
