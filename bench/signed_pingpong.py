#!/usr/bin/env python3
"""One request in flight at a time against a portal-rpc that is signed in first.

    signed_pingpong.py --n N --method M --params JSON [--login USER --password-file F] -- CMD...

Sends initialize and, with --login, a login (both untimed), then N requests of METHOD, each sent
once the previous answer arrived, and prints {"msgs_per_sec": ..., "p50_us": ...} as one JSON
line. The password is read from a file, never taken from the command line. portal-bench runs it
under `taskset -c 0` beside a server pinned to the same core.
"""
import argparse
import json
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--method", required=True)
    parser.add_argument("--params", required=True)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--login")
    parser.add_argument("--password-file")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def call(request_id, method, params):
        line = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        server.stdin.write(line.encode() + b"\n")
        server.stdin.flush()
        while True:
            answer = server.stdout.readline()
            if not answer:
                sys.exit("the server closed its output")
            message = json.loads(answer)
            if message.get("id") == request_id:
                if "error" in message:
                    sys.exit("%s failed with code %s" % (method, message["error"]["code"]))
                return

    call("init", "initialize", {"clientInfo": {"name": "portal-bench"}})
    if args.login:
        with open(args.password_file) as file:
            password = file.read()
        call("login", "login", {"credentials": {"username": args.login, "password": password}})
    params = json.loads(args.params)
    for warm in range(args.warmup):
        call("w%d" % warm, args.method, params)
    latencies = []
    start = time.perf_counter()
    for index in range(args.n):
        sent = time.perf_counter()
        call(index, args.method, params)
        latencies.append(time.perf_counter() - sent)
    seconds = time.perf_counter() - start
    server.stdin.close()
    server.wait(timeout=30)
    latencies.sort()
    print(json.dumps({
        "msgs_per_sec": round(args.n / seconds, 1),
        "p50_us": round(latencies[len(latencies) // 2] * 1e6, 1),
    }))


if __name__ == "__main__":
    main()
