"""Per-user delivery with autobahn-python: alice and bob (role user) subscribe to one topic; backend
publishes once with eligible_authid=['alice'] (acknowledged), then once to everyone as a fence.

Prints {"scenario": "eligible", "published": bool, "alice": [...], "bob": [...]}: the payloads each
subscriber got, in order, once both saw the fence (spec: pubsub_subscriber_blackwhite_listing.md).
"""
import asyncio

from autobahn.wamp.types import PublishOptions

from common import emit, open_session, parse_args, run, run_scenario

TOPIC = 'com.example.user.status'


def add_arguments(parser):
    parser.add_argument('--alice-ticket', required=True)
    parser.add_argument('--bob-ticket', required=True)
    parser.add_argument('--backend-ticket', required=True)


async def eligible(publisher, subscribers):
    received = {name: [] for name in subscribers}
    fenced = {name: asyncio.Event() for name in subscribers}
    for name, session in subscribers.items():
        def on_event(payload, name=name):
            received[name].append(payload)
            if payload == 'fence':
                fenced[name].set()
        await session.subscribe(on_event, TOPIC)
    published = await publisher.publish(TOPIC, 'for-alice', options=PublishOptions(acknowledge=True, eligible_authid=['alice']))
    await publisher.publish(TOPIC, 'fence', options=PublishOptions(acknowledge=True))
    await asyncio.gather(*(event.wait() for event in fenced.values()))
    emit(scenario='eligible', published=published is not None, **received)


def main():
    args = parse_args(__doc__, add_arguments)

    def ticket(authid, value):
        return {'ticket': {'authid': authid, 'ticket': value}}

    async def scenarios():
        sessions = {}
        try:
            for authid, value in (('alice', args.alice_ticket), ('bob', args.bob_ticket), ('backend', args.backend_ticket)):
                sessions[authid] = await open_session(args.url, args.realm, args.serializer, ticket(authid, value))
            subscribers = {name: sessions[name].session for name in ('alice', 'bob')}
            await run_scenario('eligible', eligible(sessions['backend'].session, subscribers), 5)
        finally:
            for opened in sessions.values():
                await opened.close()

    run(scenarios, args.deadline)


if __name__ == '__main__':
    main()
