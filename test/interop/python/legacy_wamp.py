"""The original ASEXOR's WAMP client, rebuilt on autobahn-python the way it worked: an
ApplicationSession over RawSocket TCP (the default serializer), joining with `authmethods=['ticket']`,
`authid` = the user and the token as the ticket; it subscribes to the shared update topic and runs
tasks with `call(RUN_TASK_PROC, task_name, *args, **kwargs)`, updates arriving as
`handler(task_id, status=..., ...)`. Unlike the original it does not delay updates by 0.1 s: it
records any update that the session received before the RESULT carrying its id (message order, as
the session saw it: the awaiting coroutine itself resumes only after handlers of messages already
read, which is why the original delayed its updates).

Scenarios (one JSON line each): run (date: the id, then started and success), sequence (several
date/sleep tasks one after another, as the original's dummy_client), errors (the original's texts).

autobahn-python 22.7.1's asyncio RawSocket crashes on WELCOME (autobahn-python#1592); the one-line
workaround below restores `transport_details` (docs/router.md, "RawSocket transport").
"""
import argparse
import asyncio

from autobahn.asyncio.rawsocket import PrefixProtocol, WampRawSocketClientFactory
from autobahn.asyncio.wamp import ApplicationSession
from autobahn.wamp import message
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import ComponentConfig

from common import JoinFailed, emit, error_fields, run, run_scenario

PrefixProtocol.transport_details = property(lambda self: self._transport_details)

RUN_TASK_PROC = 'eu.zderadicka.asexor.run_task'
UPDATE_CHANNEL = 'eu.zderadicka.asexor.task_update'
FINAL = ('success', 'error')


class AsexorWampClient(ApplicationSession):
    """The original's client session: ticket auth, the update subscription, run_task calls."""

    def __init__(self, config, user, token, joined):
        super().__init__(config)
        self.user = user
        self.token = token
        self.joined = joined
        self.known = set()
        self.early = []
        self.updates = []
        self.waiters = {}

    def onConnect(self):
        self.join(self.config.realm, ['ticket'], self.user)

    def onChallenge(self, challenge):
        if challenge.method == 'ticket':
            return self.token
        raise Exception('Invalid authentication method')

    async def onJoin(self, details):
        await self.subscribe(self.on_update, UPDATE_CHANNEL)
        if not self.joined.done():
            self.joined.set_result(self)

    def onLeave(self, details):
        if not self.joined.done():
            self.joined.set_exception(JoinFailed(details.reason, details.message))
        self.disconnect()

    def onMessage(self, msg):
        if isinstance(msg, message.Result) and msg.args and isinstance(msg.args[0], str):
            self.known.add(msg.args[0])
        super().onMessage(msg)

    def on_update(self, task_id, **data):
        if task_id not in self.known:
            self.early.append([task_id, data.get('status')])
        self.updates.append([task_id, data])
        waiter = self.waiters.get(task_id)
        if data.get('status') in FINAL and waiter is not None and not waiter.done():
            waiter.set_result(data)

    async def execute(self, task_name, *args, **kwargs):
        return await self.call(RUN_TASK_PROC, task_name, *args, **kwargs)

    async def final(self, task_id):
        for known_id, data in self.updates:
            if known_id == task_id and data.get('status') in FINAL:
                return data
        waiter = self.waiters.setdefault(task_id, asyncio.get_running_loop().create_future())
        return await waiter

    def statuses(self, task_id):
        return [data['status'] for known_id, data in self.updates if known_id == task_id]


async def connect(host, port, realm, user, token):
    loop = asyncio.get_running_loop()
    joined = loop.create_future()
    factory = WampRawSocketClientFactory(lambda: AsexorWampClient(ComponentConfig(realm), user, token, joined))
    transport, _protocol = await loop.create_connection(factory, host, port)
    try:
        return transport, await asyncio.wait_for(joined, 10)
    except BaseException:
        transport.close()
        raise


async def run_date(client):
    task_id = await client.execute('date', '%Y', utc=True)
    final = await client.final(task_id)
    emit(scenario='run', task_id=task_id, statuses=client.statuses(task_id), final=final)


async def sequence(client, count):
    ids = []
    for i in range(count):
        ids.append(await (client.execute('date') if i % 2 == 0 else client.execute('sleep', 0.05)))
    finals = [await client.final(task_id) for task_id in ids]
    emit(scenario='sequence', count=len(ids), statuses=[client.statuses(task_id) for task_id in ids],
         finals=[final['status'] for final in finals])


async def errors(client):
    texts = {}
    for task in ('nosuch', 'admin_only'):
        try:
            await client.execute(task)
            texts[task] = None
        except ApplicationError as exc:
            texts[task] = error_fields(exc)
    emit(scenario='errors', **texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--host', required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--realm', required=True)
    parser.add_argument('--user', required=True)
    parser.add_argument('--token', required=True)
    parser.add_argument('--deadline', type=float, default=30.0)
    args = parser.parse_args()

    async def scenarios():
        transport, client = await connect(args.host, args.port, args.realm, args.user, args.token)
        try:
            emit(scenario='serializer', name=client._transport._serializer.SERIALIZER_ID)
            await run_scenario('run', run_date(client), 10)
            await run_scenario('sequence', sequence(client, 6), 15)
            await run_scenario('errors', errors(client), 5)
            emit(scenario='order', early=client.early)
        finally:
            client.leave()
            await asyncio.sleep(0.1)
            transport.close()

    run(scenarios, args.deadline)


if __name__ == '__main__':
    main()
