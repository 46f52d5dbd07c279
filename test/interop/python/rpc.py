"""RPC scenarios with autobahn-python: two `backend` callees (A, B) and one `user` caller (alice).

Prints one line per scenario: {"scenario": "<name>", ...observations}. Scenarios: progressive,
roundrobin, disclosure, timeout, cancel, denied.
"""
import asyncio
import time

from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions, RegisterOptions

from common import emit, error_fields, open_session, parse_args, run, run_scenario


def add_arguments(parser):
    parser.add_argument('--caller-ticket', required=True, help='ticket of authid alice (role user)')
    parser.add_argument('--backend-ticket', required=True, help='ticket of authid backend (role backend)')


class Callee:
    """Procedures one backend session registers; `interrupts` receives the name of cancelled invocations."""

    def __init__(self, name, interrupts):
        self.name = name
        self.interrupts = interrupts

    async def progress(self, n, details=None):
        for i in range(n):
            details.progress(i)
            await asyncio.sleep(0.01)
        return 'done'

    def whoami(self, details=None):
        return {'caller': details.caller, 'caller_authid': details.caller_authid, 'caller_authrole': details.caller_authrole}

    async def slow(self, label):
        try:
            await asyncio.sleep(1.5)
        except asyncio.CancelledError:
            self.interrupts.put_nowait(label)  # INTERRUPT arrived (spec: rpc_call_canceling.md)
            raise
        return 'slow done'

    async def register(self, session):
        with_details = RegisterOptions(details_arg='details')
        await session.register(lambda: self.name, 'com.example.rr', options=RegisterOptions(invoke='roundrobin'))
        if self.name == 'A':
            await session.register(self.progress, 'com.example.progress', options=with_details)
            await session.register(self.whoami, 'com.example.whoami', options=with_details)
            await session.register(self.slow, 'com.example.slow')


async def next_interrupt(queue, timeout):
    try:
        return await asyncio.wait_for(queue.get(), timeout)
    except asyncio.TimeoutError:
        return None


async def progressive(caller):
    seen = []
    result = await caller.call('com.example.progress', 3, options=CallOptions(on_progress=seen.append))
    emit(scenario='progressive', progress=seen, result=result)


async def roundrobin(caller):
    results = [await caller.call('com.example.rr') for _ in range(4)]
    emit(scenario='roundrobin', results=results)


async def disclosure(caller):
    seen = await caller.call('com.example.whoami')
    emit(scenario='disclosure', caller_session=caller.session_id, **seen)


async def timeout(caller, interrupts):
    started = time.monotonic()
    try:
        # autobahn-python documents CallOptions.timeout in seconds but sends it verbatim and
        # Call() asserts an int: the wire value is milliseconds (spec: rpc_call_timeout.md).
        await caller.call('com.example.slow', 'timeout', options=CallOptions(timeout=200))
        outcome = {'error': None}
    except ApplicationError as exc:
        outcome = error_fields(exc)
    elapsed = time.monotonic() - started
    interrupted = await next_interrupt(interrupts, 1.0)
    emit(scenario='timeout', elapsed=elapsed, callee_interrupted=interrupted == 'timeout', **outcome)


async def cancel(caller, interrupts):
    future = caller.call('com.example.slow', 'cancel')
    await asyncio.sleep(0.15)
    future.cancel()  # autobahn sends CANCEL (no mode: the router's default applies)
    try:
        await future
        outcome = 'result'
    except asyncio.CancelledError:
        outcome = 'cancelled'
    except ApplicationError as exc:
        outcome = exc.error
    interrupted = await next_interrupt(interrupts, 1.0)
    after = await caller.call('com.example.rr')  # the session survives the router's late ERROR
    emit(scenario='cancel', caller=outcome, callee_interrupted=interrupted == 'cancel', session_alive=after in ('A', 'B'))


async def denied(caller):
    observed = {}
    for action, attempt in (('call', lambda: caller.call('com.example.admin.reset')),
                            ('register', lambda: caller.register(lambda: None, 'com.example.mine'))):
        try:
            await attempt()
            observed[action] = None
        except ApplicationError as exc:
            observed[action] = exc.error
    emit(scenario='denied', **observed)


def main():
    args = parse_args(__doc__, add_arguments)

    async def scenarios():
        interrupts = asyncio.Queue()
        backend = {'ticket': {'authid': 'backend', 'ticket': args.backend_ticket}}
        sessions = []
        try:
            for name in ('A', 'B'):
                opened = await open_session(args.url, args.realm, args.serializer, backend)
                sessions.append(opened)
                await Callee(name, interrupts).register(opened.session)
            opened = await open_session(args.url, args.realm, args.serializer, {'ticket': {'authid': 'alice', 'ticket': args.caller_ticket}})
            sessions.append(opened)
            caller = opened.session
            await run_scenario('progressive', progressive(caller), 5)
            await run_scenario('roundrobin', roundrobin(caller), 5)
            await run_scenario('disclosure', disclosure(caller), 5)
            await run_scenario('timeout', timeout(caller, interrupts), 5)
            await run_scenario('cancel', cancel(caller, interrupts), 5)
            await run_scenario('denied', denied(caller), 5)
        finally:
            for opened in reversed(sessions):
                await opened.close()

    run(scenarios, args.deadline)


if __name__ == '__main__':
    main()
