"""asexor's worker API from autobahn-python: a user runs a task and receives its status events.

Scenarios (one JSON line each): topic (call returns the task id, events arrive on the user's own
status topic), progressive (events as progressive results, the success event as the result),
invalid (asexor.error.invalid_params), foreign (subscribing to another user's topic is refused).
"""
import asyncio
import json

from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions

from common import emit, error_fields, open_session, parse_args, run, run_scenario

TERMINAL = ('success', 'error', 'cancelled', 'timeout')


def add_arguments(parser):
    parser.add_argument('--authid', required=True)
    parser.add_argument('--ticket', required=True)
    parser.add_argument('--task', required=True, help='task name, e.g. convert')
    parser.add_argument('--kwargs', required=True, help='the task params as a JSON object')
    parser.add_argument('--other', required=True, help='another user\'s authid')


async def topic(session, authid, task, kwargs):
    events = []
    done = asyncio.get_running_loop().create_future()

    def on_event(**event):
        events.append(event)
        if event.get('status') in TERMINAL and not done.done():
            done.set_result(event)

    await session.subscribe(on_event, 'asexor.status.' + authid)
    task_id = await session.call('asexor.task.' + task, **kwargs)
    terminal = await done
    emit(scenario='topic', task_id=task_id, statuses=[e['status'] for e in events if e['task_id'] == task_id], terminal=terminal)


async def progressive(session, task, kwargs):
    seen = []
    result = await session.call('asexor.task.' + task, options=CallOptions(on_progress=lambda **event: seen.append(event['status'])), **kwargs)
    emit(scenario='progressive', progress=seen, result=result.kwresults)  # autobahn-python's CallResult


async def invalid(session):
    try:
        await session.call('asexor.task.sleep', 'abc')
        emit(scenario='invalid', error=None)
    except ApplicationError as exc:
        emit(scenario='invalid', kwargs=exc.kwargs, **error_fields(exc))


async def foreign(session, other):
    try:
        await session.subscribe(lambda **_: None, 'asexor.status.' + other)
        emit(scenario='foreign', error=None)
    except ApplicationError as exc:
        emit(scenario='foreign', **error_fields(exc))


def main():
    args = parse_args(__doc__, add_arguments)
    kwargs = json.loads(args.kwargs)

    async def scenarios():
        opened = await open_session(args.url, args.realm, args.serializer, {'ticket': {'authid': args.authid, 'ticket': args.ticket}})
        try:
            session = opened.session
            await run_scenario('topic', topic(session, args.authid, args.task, kwargs), 15)
            await run_scenario('progressive', progressive(session, args.task, kwargs), 15)
            await run_scenario('invalid', invalid(session), 5)
            await run_scenario('foreign', foreign(session, args.other), 5)
        finally:
            await opened.close()

    run(scenarios, args.deadline)


if __name__ == '__main__':
    main()
