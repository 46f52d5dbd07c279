"""RPC and pub/sub with autobahn-python over RawSocket (TCP or Unix), each way with a peer on the
router's WebSocket side (the test's autobahn-js session, which registers `com.example.js_echo` and
`com.example.js_turn` and subscribes to `com.example.from_py`).

Python registers `com.example.py_add`, subscribes to `com.example.from_js`, calls `js_echo`, then
calls `js_turn`: the JS side calls `py_add` and publishes to `from_js` before answering. Finally
Python publishes to `from_py` (acknowledged). Prints one line per scenario, then {"done": true}.

autobahn-python 22.7.1's asyncio RawSocket crashes on WELCOME (autobahn-python#1592, fixed
upstream by PR #1593); the one-line workaround below restores `transport_details`.
"""
import argparse
import asyncio

from autobahn.asyncio.component import Component
from autobahn.asyncio.rawsocket import PrefixProtocol
from autobahn.wamp.types import PublishOptions

from common import JoinFailed, Opened, emit, run, run_scenario

# docs/router.md, "RawSocket transport": the asyncio RawSocket bug in python3-autobahn 22.7.1 and its workaround.
PrefixProtocol.transport_details = property(lambda self: self._transport_details)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--host', help='TCP endpoint host (with --port)')
    parser.add_argument('--port', type=int)
    parser.add_argument('--path', help='Unix socket path (instead of --host/--port)')
    parser.add_argument('--realm', default='realm1')
    parser.add_argument('--serializer', choices=['json', 'msgpack', 'cbor'], default='cbor')
    parser.add_argument('--ticket', required=True, help='ticket of authid backend')
    parser.add_argument('--deadline', type=float, default=20.0)
    return parser.parse_args()


def transport_config(args):
    if args.path:
        endpoint = {'type': 'unix', 'path': args.path}
        url = 'rs://unix:{}'.format(args.path)
    else:
        endpoint = {'type': 'tcp', 'host': args.host, 'port': args.port}
        url = 'rs://{}:{}'.format(args.host, args.port)
    return {'type': 'rawsocket', 'url': url, 'endpoint': endpoint, 'serializer': args.serializer, 'max_retries': 0}


async def open_rawsocket_session(args):
    loop = asyncio.get_running_loop()
    joined = loop.create_future()
    release = loop.create_future()
    left = {}

    async def main(_reactor, session):
        if not joined.done():
            joined.set_result(session)
        await release

    component = Component(
        transports=[transport_config(args)],
        realm=args.realm,
        authentication={'ticket': {'authid': 'backend', 'ticket': args.ticket}},
        main=main,
        # 22.7.1's asyncio RawSocket reports its own close after GOODBYE as a lost connection
        # ("failed to complete connection"); without this the Component reconnects and rejoins.
        is_fatal=lambda _error: True,
    )
    component.on('leave', lambda _s, details: left.update(reason=details.reason, message=details.message))
    done = asyncio.ensure_future(component.start(loop))
    await asyncio.wait([joined, done], return_when=asyncio.FIRST_COMPLETED)
    if joined.done():
        return Opened(joined.result(), None, release, done)
    if not done.cancelled():
        done.exception()
    raise JoinFailed(left.get('reason'), left.get('message'))


async def scenarios(session):
    from_js = asyncio.get_running_loop().create_future()
    py_calls = []

    def py_add(a, b):
        py_calls.append([a, b])
        return a + b

    registration = await session.register(py_add, 'com.example.py_add')
    emit(scenario='register', registered=registration.id is not None)
    await session.subscribe(lambda *args: from_js.done() or from_js.set_result(list(args)), 'com.example.from_js')

    async def call_js():
        result = await session.call('com.example.js_echo', 'from python', 2 ** 40, b'\x00\x01\xfe')
        emit(scenario='call', result=[list(item) if isinstance(item, bytes) else item for item in result])

    async def js_turn():
        result = await session.call('com.example.js_turn')
        emit(scenario='called_back', js_result=result, py_calls=py_calls)

    async def event_from_js():
        emit(scenario='event', args=await from_js)

    async def publish():
        published = await session.publish('com.example.from_py', 'from python', 7, options=PublishOptions(acknowledge=True))
        emit(scenario='publish', acknowledged=published is not None)

    await run_scenario('call', call_js(), 5)
    await run_scenario('called_back', js_turn(), 5)
    await run_scenario('event', event_from_js(), 5)
    await run_scenario('publish', publish(), 5)


def main():
    args = parse_args()

    async def go():
        opened = await open_rawsocket_session(args)
        try:
            await scenarios(opened.session)
        finally:
            await opened.close()

    run(go, args.deadline)


if __name__ == '__main__':
    main()
