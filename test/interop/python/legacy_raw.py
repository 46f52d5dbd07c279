"""A legacy ASEXOR raw socket client in plain Python (socket + cbor2), written from docs/legacy-rawsocket.md.

Frames: a 4-byte header (frame type in the low 3 bits of byte 0: 0 data, 1 ping, 2 pong; payload
length in bytes 1..3, big-endian), then the payload. The first data frame is the token; the server
answers with one data frame of one byte (0 ok, 1 refused, 2 server configuration). Then each data frame
is one CBOR call [call_id, task, {args, kwargs}] (delegated: plus user and role), and the server sends
CBOR ["r", id, task_id], ["e", id, text, null] and ["m", id, data]. Integer call ids from 1, as the
original client used. Prints one JSON line per observation: {"scenario": ..., ...}, then {"done": true}.
"""
import argparse
import json
import socket
import struct

import cbor2

DATA, PING, PONG = 0, 1, 2


def frame(kind, payload):
    return struct.pack('>I', (kind << 24) | len(payload)) + payload


class Client:
    def __init__(self, args):
        if args.path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(args.path)
        else:
            self.sock = socket.create_connection((args.host, args.port))
        self.sock.settimeout(10)
        self.buffer = b''
        self.next_id = 0

    def read_frame(self):
        """(kind, payload), or None when the server closed the connection."""
        while True:
            if len(self.buffer) >= 4:
                header, = struct.unpack('>I', self.buffer[:4])
                length = header & 0xFFFFFF
                if len(self.buffer) >= 4 + length:
                    payload = self.buffer[4:4 + length]
                    self.buffer = self.buffer[4 + length:]  # keep the unconsumed tail
                    return (header >> 24) & 7, payload
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def login(self, token, extra=b''):
        self.sock.sendall(frame(DATA, token.encode('utf-8')) + extra)
        got = self.read_frame()
        return None if got is None else got[1][0]

    def call(self, task, *args, **payload):
        self.next_id += 1
        body = dict(payload)
        if args:
            body['args'] = list(args)
        self.sock.sendall(frame(DATA, cbor2.dumps([self.next_id, task, body])))
        return self.next_id

    def until_final(self, call_id):
        """Every message of this connection up to the one that ends `call_id`."""
        seen = []
        while True:
            got = self.read_frame()
            if got is None:
                seen.append('closed')
                return seen
            kind, payload = got
            if kind != DATA:
                seen.append({'frame': kind, 'payload': payload.hex()})
                continue
            message = cbor2.loads(payload)
            seen.append(message)
            if message[1] == call_id and (message[0] == 'e' or (message[0] == 'm' and message[2].get('status') in ('success', 'error'))):
                return seen

    def close(self):
        self.sock.close()


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main(args):
    client = Client(args)
    emit(scenario='bad-token', answer=client.login('not-a-token'), closed_after=client.read_frame() is None)
    client.close()

    if args.service_token:
        run_delegated(args)
    else:
        run_user(args)
    emit(done=True)


def run_user(args):
    client = Client(args)
    # token and first call in one write: the server must not take the call for a second token
    first = cbor2.dumps([1, 'date', {'args': ['%Y']}])
    answer = client.login(args.token, extra=frame(DATA, first))
    client.next_id = 1
    emit(scenario='date', answer=answer, messages=client.until_final(1))

    client.sock.sendall(frame(PING, b'hello'))
    emit(scenario='ping', reply=client.read_frame()[1].hex())

    call_id = client.call('sleep', 0.1)
    emit(scenario='sleep', messages=client.until_final(call_id))
    call_id = client.call('no_such')
    emit(scenario='unknown', messages=client.until_final(call_id))
    call_id = client.call('admin_only')
    emit(scenario='admin-only', messages=client.until_final(call_id))

    # frame 1 plus the first bytes of frame 2 in one write, the rest later
    one = frame(DATA, cbor2.dumps([10, 'date', {}]))
    two = frame(DATA, cbor2.dumps([11, 'no_such_either', {'kwargs': {'x': 1}}]))
    client.sock.sendall(one + two[:8])
    client.sock.sendall(two[8:])
    emit(scenario='split', messages=client.until_final(11) + client.until_final(10))

    client.sock.sendall(frame(DATA, json.dumps([12, 'date', {}]).encode()))
    emit(scenario='json', messages=client.until_final(12))
    client.close()


def run_delegated(args):
    client = Client(args)
    emit(scenario='delegated-login', answer=client.login(args.service_token))
    call_id = client.call('date', '%Y', user='pepa', role='user')
    emit(scenario='delegated-date', messages=client.until_final(call_id))
    call_id = client.call('date', user='pepa', role='admin')
    emit(scenario='delegated-role', messages=client.until_final(call_id))
    call_id = client.call('date')
    emit(scenario='delegated-no-user', messages=client.until_final(call_id))
    client.close()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int)
    parser.add_argument('--path')
    parser.add_argument('--token', default='alice-ticket')
    parser.add_argument('--service-token')
    main(parser.parse_args())
