#!/usr/bin/env python3
"""responder.py - a scripted SMTP server for the end-to-end tests.

It listens on 127.0.0.1 only, talks SMTP like a Postfix submission server,
and answers one scripted failure reply at one stage of the session:

  greeting  instead of the 220 greeting
  ehlo      to EHLO (and to HELO, where a client falls back to it)
  starttls  STARTTLS and AUTH are not offered; the reply comes at MAIL
  auth      after the credentials (LOGIN and PLAIN with real 334 challenges)
  mail      to MAIL FROM
  rcpt      to RCPT TO
  data      after the message's final "."

Everything else gets the usual answer. A reply code 421 closes the
connection, as RFC 5321 says it does. The server stops after --connections
sessions, after --idle seconds without a word from a client, or after
--total seconds, whichever comes first, so a stuck test cannot hang.

  responder.py --stage rcpt --reply '550 5.1.1 <bob@example.org>: User unknown' \
               --port-file /tmp/port --log /tmp/server.log

--reply may hold several lines (a multi-line reply), separated by real
newlines or by the two characters backslash and n.
"""
import argparse
import os
import socket
import sys
import time

STAGES = ("greeting", "ehlo", "starttls", "auth", "mail", "rcpt", "data")
HOST = "mx.example.test"

# RFC 4954 challenges: base64 of "Username:" and "Password:"
LOGIN_USER, LOGIN_PASS = "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6"


class Closed(Exception):
    """The client went away, went quiet for too long, or the time is up."""


class Session:
    def __init__(self, conn, args, deadline, log):
        self.conn, self.args, self.deadline, self.log = conn, args, deadline, log
        self.rfile = conn.makefile("rb")
        self.reply = args.reply.replace("\\n", "\n").strip("\n")
        self.mail = False
        self.rcpts = 0

    def send(self, text):
        lines = text.split("\n")
        for line in lines:
            self.log("S: " + line)
        self.conn.sendall("".join(l + "\r\n" for l in lines).encode())

    def recv(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Closed()
        self.conn.settimeout(min(self.args.idle, left))
        try:
            line = self.rfile.readline(65536)
        except (socket.timeout, OSError):
            raise Closed()
        if not line:
            raise Closed()
        line = line.rstrip(b"\r\n").decode("utf-8", "replace")
        self.log("C: " + line)
        return line

    def fail(self):
        """Send the scripted reply; a 421 ends the session."""
        self.send(self.reply)
        if self.reply.split("\n")[-1].startswith("421"):
            raise Closed()

    def ehlo_lines(self):
        lines = [HOST, "PIPELINING", "SIZE 10240000"]
        # A server that wants TLS first offers AUTH only after STARTTLS
        # (Postfix's smtpd_tls_auth_only); this one cannot do TLS at all.
        if self.args.stage != "starttls":
            lines.append("AUTH PLAIN LOGIN")
        lines += ["ENHANCEDSTATUSCODES", "8BITMIME"]
        return "\n".join(("250 " if i == len(lines) - 1 else "250-") + l
                         for i, l in enumerate(lines))

    def auth(self, arg):
        words = arg.split()
        mech = words[0].upper() if words else ""
        initial = words[1] if len(words) > 1 else None
        if self.args.stage == "starttls":
            return self.send("503 5.5.1 Error: authentication not enabled")
        if mech == "LOGIN":
            answers = [initial] if initial else [self.ask(LOGIN_USER)]
            answers.append(self.ask(LOGIN_PASS))
        elif mech == "PLAIN":
            # "334 " with an empty challenge asks for the credentials
            answers = [initial if initial else self.ask("334 ")]
        else:
            return self.send("504 5.5.4 Unrecognized authentication type")
        if "*" in answers:
            return self.send("501 5.7.0 Authentication aborted")
        if self.args.stage == "auth":
            return self.fail()
        self.send("235 2.7.0 Authentication successful")

    def ask(self, challenge):
        self.send(challenge)
        return self.recv()

    def data(self):
        if not self.mail:
            return self.send("503 5.5.1 Error: need MAIL command")
        if not self.rcpts:
            return self.send("554 5.5.1 Error: no valid recipients")
        self.send("354 End data with <CR><LF>.<CR><LF>")
        while self.recv() != ".":
            pass
        self.mail, self.rcpts = False, 0
        if self.args.stage == "data":
            return self.fail()
        self.send("250 2.0.0 Ok: queued as 4XbTzH0Gq3z9sPm")

    def run(self):
        stage = self.args.stage
        if stage == "greeting":
            self.fail()
            # RFC 5321 3.1: after a 554 greeting, wait for QUIT and
            # refuse everything else.
            while self.recv().upper().split(" ")[0] != "QUIT":
                self.send("503 5.5.1 Error: command rejected")
            return self.send("221 2.0.0 Bye")
        self.send("220 %s ESMTP Postfix (Debian/GNU)" % HOST)
        while True:
            line = self.recv()
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                if stage == "ehlo":
                    self.fail()
                elif verb == "EHLO":
                    self.send(self.ehlo_lines())
                else:
                    self.send("250 " + HOST)
            elif verb == "STARTTLS":
                self.send("454 4.7.0 TLS not available due to local problem")
            elif verb == "AUTH":
                self.auth(arg)
            elif verb == "MAIL":
                if stage in ("mail", "starttls"):
                    self.fail()
                else:
                    self.mail, self.rcpts = True, 0
                    self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                if not self.mail:
                    self.send("503 5.5.1 Error: need MAIL command")
                elif stage == "rcpt":
                    self.fail()
                else:
                    self.rcpts += 1
                    self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                self.data()
            elif verb == "RSET":
                self.mail, self.rcpts = False, 0
                self.send("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                return self.send("221 2.0.0 Bye")
            else:
                self.send("502 5.5.2 Error: command not recognized")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--reply", required=True, help="the failure reply to send")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--log", help="write the transcript here")
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--idle", type=float, default=10)
    p.add_argument("--total", type=float, default=30)
    args = p.parse_args()

    logf = open(args.log, "a", buffering=1) if args.log else None

    def log(msg):
        if logf:
            logf.write(msg + "\n")

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(4)
    port = srv.getsockname()[1]
    if args.port_file:
        # write then rename, so a reader never sees a half-written number
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)

    deadline = time.monotonic() + args.total
    for _ in range(args.connections):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        srv.settimeout(min(args.idle, left))
        try:
            conn, peer = srv.accept()
        except socket.timeout:
            log("-- no connection, stopping")
            break
        log("-- connection from %s:%d" % peer)
        try:
            Session(conn, args, deadline, log).run()
        except (Closed, BrokenPipeError, ConnectionResetError):
            pass
        finally:
            conn.close()
            log("-- closed")
    srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
