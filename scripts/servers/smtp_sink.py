"""A local SMTP sink for TR1L integration tests (aiosmtpd; run with /usr/bin/python3).

Every accepted message is written to MAILDIR as <unique>.eml (the bytes as received) with
<unique>.json beside it (envelope sender and recipients, peer address, whether the session used
TLS, the authenticated user). The .eml appears atomically (written under a temporary name, then
renamed) before the server answers 250, so a client that saw success finds the file.

Rules for tests:
  - a recipient at refuse.invalid is refused with 550 (the reply names the address, as real
    servers do, so tests can check that the client keeps it out of its errors);
  - a recipient at tempfail.invalid is refused with 451;
  - STARTTLS is offered on the plain port and the second port speaks TLS from the first byte,
    both with the certificate given (when given);
  - AUTH PLAIN/LOGIN is offered (also without TLS, on loopback) and accepts only the username and
    password from TR1L_SINK_SMTP_USERNAME / TR1L_SINK_SMTP_PASSWORD; authenticating is optional.

usage: smtp_sink.py --port P [--tls-port Q --cert C --key K] --maildir DIR --ready FILE
"""

import argparse
import asyncio
import itertools
import json
import os
import signal
import ssl
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.counter = itertools.count(1)
        self.prefix = "%d-%d" % (os.getpid(), time.time_ns())

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain == "refuse.invalid":
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if domain == "tempfail.invalid":
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = "%s-%06d" % (self.prefix, next(self.counter))
        metadata = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer": list(session.peer) if session.peer else None,
            # session.ssl is only set by STARTTLS; the smtps port is TLS from the start.
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "auth_user": session.auth_data if session.authenticated else None,
            "received_at": time.time(),
        }
        temporary = os.path.join(self.maildir, ".%s.tmp" % name)
        with open(temporary, "wb") as out:
            out.write(envelope.content)
        with open(os.path.join(self.maildir, name + ".json"), "w") as out:
            json.dump(metadata, out)
        os.replace(temporary, os.path.join(self.maildir, name + ".eml"))
        return "250 2.0.0 Ok: queued as %s" % name


def make_authenticator(username, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword) or not username:
            return AuthResult(success=False, handled=False)
        if auth_data.login.decode() == username and auth_data.password.decode() == password:
            return AuthResult(success=True, auth_data=auth_data.login.decode())
        return AuthResult(success=False, handled=False)

    return authenticate


async def serve(arguments):
    handler = Handler(arguments.maildir)
    authenticator = make_authenticator(os.environ.get("TR1L_SINK_SMTP_USERNAME", ""),
                                       os.environ.get("TR1L_SINK_SMTP_PASSWORD", ""))
    tls_context = None
    if arguments.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(arguments.cert, arguments.key)

    def smtp_factory(offer_starttls):
        def factory():
            return SMTP(handler, hostname="tr1l-smtp-sink", ident="TR1L test sink",
                        tls_context=tls_context if offer_starttls else None,
                        authenticator=authenticator, auth_require_tls=False, timeout=60,
                        data_size_limit=16 * 1024 * 1024)
        return factory

    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(smtp_factory(True), "127.0.0.1", arguments.port, backlog=256)]
    if arguments.tls_port:
        servers.append(await loop.create_server(smtp_factory(False), "127.0.0.1", arguments.tls_port,
                                                ssl=tls_context, backlog=256))
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    with open(arguments.ready + ".tmp", "w") as ready:
        ready.write("%d\n" % os.getpid())
    os.replace(arguments.ready + ".tmp", arguments.ready)
    await stop.wait()
    for server in servers:
        server.close()
    for server in servers:
        await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description="TR1L test SMTP sink")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--ready", required=True)
    arguments = parser.parse_args()
    if arguments.tls_port and not arguments.cert:
        parser.error("--tls-port needs --cert and --key")
    os.makedirs(arguments.maildir, exist_ok=True)
    asyncio.run(serve(arguments))


if __name__ == "__main__":
    main()
