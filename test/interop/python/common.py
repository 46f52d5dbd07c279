"""Shared plumbing for the autobahn-python (asyncio) interop scripts.

Each script prints one JSON object per line describing what it observed and always exits on its
own: every scenario runs under a deadline, and a SIGALRM backstop kills the process if the event
loop itself wedges. Run with Debian's /usr/bin/python3 (python3-autobahn 22.7.1).
"""
import argparse
import asyncio
import json
import os
import signal
import sys

from autobahn.asyncio.component import Component


def emit(**fields):
    """Print one observation as a JSON line."""
    print(json.dumps(fields, sort_keys=True, default=repr), flush=True)


def parse_args(description, add_arguments=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--url', required=True, help='ws://127.0.0.1:PORT/ws')
    parser.add_argument('--realm', default='realm1')
    parser.add_argument('--serializer', choices=['json', 'msgpack', 'cbor'], default='cbor')
    parser.add_argument('--deadline', type=float, default=20.0, help='seconds for the whole script')
    if add_arguments is not None:
        add_arguments(parser)
    return parser.parse_args()


class JoinFailed(Exception):
    def __init__(self, reason, message):
        super().__init__('{}: {}'.format(reason, message))
        self.reason = reason
        self.message = message


class Opened:
    """A joined session whose Component stays up until close()."""

    def __init__(self, session, details, release, done):
        self.session = session
        self.details = details
        self._release = release
        self._done = done

    async def close(self):
        if not self._release.done():
            self._release.set_result(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._done), 5)
        except Exception:  # noqa: BLE001 - leaving is best effort; the process exits anyway
            pass


async def open_session(url, realm, serializer, authentication=None):
    """Join through autobahn's Component (its own authenticators: ticket, wampcra incl. salting).

    Raises JoinFailed with the ABORT reason when the router refuses the session.
    """
    loop = asyncio.get_running_loop()
    joined = loop.create_future()
    release = loop.create_future()
    left = {}

    async def main(_reactor, session):
        if not joined.done():
            joined.set_result(session)
        await release

    component = Component(
        transports=[{'type': 'websocket', 'url': url, 'serializers': [serializer], 'max_retries': 0}],
        realm=realm,
        authentication=authentication or {},
        main=main,
    )

    def on_join(_session, details):
        left['details'] = details

    def on_leave(_session, details):
        left['reason'] = details.reason
        left['message'] = details.message

    component.on('join', on_join)
    component.on('leave', on_leave)
    done = asyncio.ensure_future(component.start(loop))
    await asyncio.wait([joined, done], return_when=asyncio.FIRST_COMPLETED)
    if joined.done():
        return Opened(joined.result(), left.get('details'), release, done)
    if not done.cancelled():
        done.exception()  # mark the failure as retrieved; the ABORT reason is what we report
    raise JoinFailed(left.get('reason'), left.get('message'))


def join_fields(details):
    return {
        'authid': details.authid,
        'authrole': details.authrole,
        'authmethod': details.authmethod,
        'authprovider': details.authprovider,
        'authextra': details.authextra,
    }


def error_fields(exc):
    """How a call/publish failed, as observed by the client."""
    error = getattr(exc, 'error', None)
    if error is not None:
        return {'error': error, 'args': list(getattr(exc, 'args', []) or [])}
    return {'error': None, 'exception': type(exc).__name__, 'text': str(exc)}


async def run_scenario(name, coro, timeout):
    """Run one scenario; report a timeout or crash as an observation instead of hanging."""
    try:
        await asyncio.wait_for(coro, timeout)
    except asyncio.TimeoutError:
        emit(scenario=name, failure='timeout')
    except Exception as exc:  # noqa: BLE001 - every failure becomes an observation
        emit(scenario=name, failure='exception', exception=type(exc).__name__, text=str(exc))


def run(main, deadline):
    """asyncio.run(main()) under a hard deadline: the process never outlives it."""
    def on_alarm(_signum, _frame):
        emit(failure='deadline')
        sys.stdout.flush()
        os._exit(3)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(max(1, int(deadline) + 1))
    try:
        asyncio.run(asyncio.wait_for(main(), deadline))
    except asyncio.TimeoutError:
        emit(failure='deadline')
        sys.exit(3)
    except JoinFailed as exc:
        emit(failure='join', reason=exc.reason, message=exc.message)
        sys.exit(4)
    emit(done=True)
