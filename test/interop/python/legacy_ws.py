"""A legacy ASEXOR WebSocket client with autobahn-python's plain WebSocket (no WAMP, no subprotocol).

Written from docs/legacy-websocket.md: `?token=…&session_id=…`, JSON text frames `[id, task, {args,
kwargs}]`, integer call ids from 1 per connection, as the original Python client sends them. Prints one
JSON line per observation: {"scenario": ..., ...}, then {"done": true}.
"""
import argparse
import asyncio
import json
import sys

from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol


class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.factory.opened.set_result(self)

    def onMessage(self, payload, isBinary):
        if not isBinary:
            self.factory.messages.put_nowait(json.loads(payload.decode('utf8')))

    def onClose(self, wasClean, code, reason):
        if not self.factory.opened.done():
            self.factory.opened.set_exception(ConnectionError(reason or 'closed during the handshake'))
        self.factory.closed.set_result(code)


async def connect(loop, host, port, query):
    factory = WebSocketClientFactory(f'ws://{host}:{port}/ws?{query}')
    factory.protocol = Client
    factory.opened = loop.create_future()
    factory.closed = loop.create_future()
    factory.messages = asyncio.Queue()
    try:
        await loop.create_connection(factory, host, port)
        client = await asyncio.wait_for(factory.opened, 5)
    except Exception as exc:  # noqa: BLE001 - the refusal is the observation
        return None, str(exc)
    return (client, factory), None


async def until_final(factory, call_id, seen):
    while True:
        message = await asyncio.wait_for(factory.messages.get(), 10)
        seen.append(message)
        if message[1] == call_id and (message[0] == 'e' or (message[0] == 'm' and message[2].get('status') in ('success', 'error'))):
            return


def emit(**fields):
    print(json.dumps(fields), flush=True)


async def main(args):
    loop = asyncio.get_running_loop()
    opened, error = await connect(loop, args.host, args.port, 'token=not-a-token')
    emit(scenario='bad-token', connected=opened is not None, error=error)

    opened, error = await connect(loop, args.host, args.port, f'token={args.token}&session_id=py-1')
    if opened is None:
        emit(scenario='connect', error=error)
        return 1
    client, factory = opened
    seen = []
    client.sendMessage(json.dumps([1, 'date', {'args': ['%d-%m-%Y %H:%M %Z'], 'kwargs': {'utc': True}}]).encode('utf8'))
    await until_final(factory, 1, seen)
    emit(scenario='date', messages=seen)

    seen = []
    client.sendMessage(json.dumps([2, 'sleep', {'args': [0.1]}]).encode('utf8'))
    await until_final(factory, 2, seen)
    emit(scenario='sleep', messages=seen)

    seen = []
    client.sendMessage(json.dumps([3, 'no_such', {}]).encode('utf8'))
    await until_final(factory, 3, seen)
    emit(scenario='unknown', messages=seen)

    client.sendClose(1000)
    await asyncio.wait_for(factory.closed, 5)
    emit(done=True)
    return 0


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--token', required=True)
    sys.exit(asyncio.run(main(parser.parse_args())))
