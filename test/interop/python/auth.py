"""Join attempts with autobahn's own authenticators (ticket, wampcra; salted keys derived by autobahn).

--attempts is a JSON list of {"name", "path", "authentication"} where "authentication" is a
Component authentication dict, e.g. {"wampcra": {"authid": "dave", "secret": "<password>"}} and
"path" replaces the path of --url (e.g. "/ws-dynamic").

Prints per attempt: {"attempt", "joined": true, "authid", "authrole", "authmethod", "authprovider",
"authextra"} or {"attempt", "joined": false, "reason", "message"}.
"""
import json
from urllib.parse import urlsplit, urlunsplit

from common import JoinFailed, emit, join_fields, open_session, parse_args, run, run_scenario


def with_path(url, path):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, '', ''))


async def attempt(args, spec):
    url = with_path(args.url, spec['path']) if spec.get('path') else args.url
    try:
        opened = await open_session(url, args.realm, args.serializer, spec['authentication'])
    except JoinFailed as failed:
        emit(attempt=spec['name'], joined=False, reason=failed.reason, message=failed.message)
        return
    emit(attempt=spec['name'], joined=True, **join_fields(opened.details))
    await opened.close()


def main():
    args = parse_args(__doc__, lambda p: p.add_argument('--attempts', required=True))
    attempts = json.loads(args.attempts)

    async def all_attempts():
        for spec in attempts:
            await run_scenario(spec['name'], attempt(args, spec), 8)

    run(all_attempts, args.deadline)


if __name__ == '__main__':
    main()
