public import Foundation

/// A real SMTP server (aiosmtpd, from PyPI) in a Python subprocess on 127.0.0.1, at a port the kernel chose.
///
/// Modes: `plain` (no TLS), `starttls` (STARTTLS and AUTH required; user `tiffin`, password `s3cret`), `smtps`
/// (implicit TLS), `refuse` (RCPT gets 550), `tempfail` (RCPT gets 451). Each accepted message is parsed by Python's
/// `email` package and written as `N.json` into the server's directory, before the 250 reply. Two hand-written
/// servers (no aiosmtpd behaviour): `inject` (forges a reply in clear right after STARTTLS's 220) and `helo-only`
/// (refuses EHLO; writes the received message to `scripted.eml`).
public struct SMTPTestServer: Sendable {
    public let port: Int
    public let directory: URL

    /// Messages received so far, oldest first.
    public func received() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { try JSONDecoder().decode(ReceivedMail.self, from: Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    /// Starts the server, runs `body`, then stops the server (closing its stdin, then terminating it) whatever happened.
    @discardableResult
    public static func with<T>(
        mode: String, certificate: (certificate: String, key: String)? = nil, _ body: (SMTPTestServer) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            let script = directory.appendingPathComponent("smtp_server.py")
            try pythonScript.write(to: script, atomically: true, encoding: .utf8)
            let mailDirectory = directory.appendingPathComponent("mail")
            try FileManager.default.createDirectory(at: mailDirectory, withIntermediateDirectories: true)
            let arguments = [script.path, mode, mailDirectory.path] + (certificate.map { [$0.certificate, $0.key] } ?? [])
            do {
                return try await withPortPrintingPython(arguments, in: directory) { port in
                    try await body(SMTPTestServer(port: port, directory: mailDirectory))
                }
            } catch let failure as TestFailure where failure.description.contains("printed 'MISSING") {
                throw TestFailure(description: "aiosmtpd is not installed for python3: run `pip install aiosmtpd`")
            }
        }
    }
}

/// One message as the Python side saw it after parsing.
public struct ReceivedMail: Decodable, Sendable {
    public var mailFrom: String
    public var rcptTos: [String]
    public var subject: String
    public var fromName: String
    public var fromAddress: String
    public var to: String
    public var messageID: String
    public var date: String
    public var contentType: String
    public var charset: String?
    public var body: String
    public var raw: String
    public var tls: Bool
    public var authenticatedAs: String?

    enum CodingKeys: String, CodingKey {
        case mailFrom = "mail_from", rcptTos = "rcpt_tos", subject, fromName = "from_name", fromAddress = "from_address", to
        case messageID = "message_id", date, contentType = "content_type", charset, body, raw, tls, authenticatedAs = "authenticated_as"
    }
}

private let pythonScript = #"""
    import asyncio, email, email.policy, json, os, ssl, sys
    try:
        from aiosmtpd.smtp import SMTP, AuthResult
    except ImportError:
        print("MISSING aiosmtpd", flush=True)
        sys.exit(3)

    mode, outdir = sys.argv[1], sys.argv[2]
    cert, key = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)

    class Recorder:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if mode == "refuse":
                return "550 5.1.1 no such user"
            if mode == "tempfail":
                return "451 4.3.0 try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            raw = envelope.original_content
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            sender = msg["from"].addresses[0]
            record = {
                "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "subject": str(msg["subject"]), "from_name": sender.display_name, "from_address": sender.addr_spec,
                "to": str(msg["to"]), "message_id": str(msg["message-id"]), "date": str(msg["date"]),
                "content_type": msg.get_content_type(), "charset": msg.get_content_charset(),
                "body": msg.get_content().replace("\r\n", "\n"), "raw": raw.decode("utf-8", "replace"),
                "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None, "authenticated_as": session.auth_data,
            }
            name = os.path.join(outdir, "%04d.json" % len(os.listdir(outdir)))
            with open(name + ".tmp", "w") as f:
                json.dump(record, f)
            os.rename(name + ".tmp", name)
            return "250 Message accepted"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"tiffin" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, auth_data=auth_data.login.decode() if ok else None)

    async def scripted(reader, writer):
        """A hand-written server: "inject" answers STARTTLS with 220 plus a forged 250 in clear; "helo-only" refuses
        EHLO, greets with a multi-line 220 and accepts everything else (the message is recorded like Recorder does)."""
        writer.write(b"220-localhost first greeting line\r\n220 localhost ESMTP\r\n")
        while line := await reader.readline():
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                writer.write(b"502 5.5.1 EHLO not implemented\r\n" if mode == "helo-only" else b"250-localhost\r\n250 STARTTLS\r\n")
            elif command == b"STARTTLS":
                writer.write(b"220 2.0.0 ready\r\n250 injected in clear\r\n")
            elif command == b"DATA":
                writer.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := await reader.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b".") else chunk
                with open(os.path.join(outdir, "scripted.eml"), "wb") as f:
                    f.write(data)
                writer.write(b"250 2.0.0 accepted\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()

    async def main():
        context = None
        if cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
        def factory():
            if mode == "starttls":
                return SMTP(Recorder(), hostname="localhost", tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_required=True)
            return SMTP(Recorder(), hostname="localhost")
        loop = asyncio.get_running_loop()
        if mode in ("inject", "helo-only"):
            server = await asyncio.start_server(scripted, "127.0.0.1", 0)
        else:
            server = await loop.create_server(factory, "127.0.0.1", 0, ssl=context if mode == "smtps" else None)
        print(server.sockets[0].getsockname()[1], flush=True)
        await loop.run_in_executor(None, sys.stdin.read)  # until the test closes our stdin
        server.close()

    asyncio.run(main())
    """#
