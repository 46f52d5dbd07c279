"""A client of the legacy ASEXOR HTTP long poll written with the standard library only (urllib and
http.cookiejar), from the protocol description in docs/legacy-longpoll.md, as an old Python client
would talk to it: a GET with "Authorization: Bearer <token>" for the session cookie, JSON calls by
POST, updates by GET.

Prints one JSON object per line for each scenario, then {"done": true}. Any unexpected answer raises
and ends the script with a traceback (exit code 1). A SIGALRM backstop ends a wedged run.
"""
import argparse
import http.cookiejar
import json
import signal
import sys
import time
import urllib.error
import urllib.request


def emit(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


class Client:
    def __init__(self, url, cookie_name):
        self.url = url
        self.cookie_name = cookie_name
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self):
        for cookie in self.jar:
            if cookie.name == self.cookie_name:
                return cookie
        return None

    def request(self, method, body=None, headers=None):
        """(status, headers, text); HTTP errors are answers too."""
        req = urllib.request.Request(self.url, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=15) as res:
                return res.status, res.headers, res.read().decode('utf-8')
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read().decode('utf-8')

    def start(self, token):
        status, _, text = self.request('GET', headers={'Authorization': 'Bearer ' + token})
        if status != 200:
            raise RuntimeError('start: HTTP {} {}'.format(status, text))
        return json.loads(text)

    def call(self, call_id, task, args=None, kwargs=None):
        payload = {}
        if args:
            payload['args'] = args
        if kwargs:
            payload['kwargs'] = kwargs
        return self.post(json.dumps([call_id, task, payload]))

    def post(self, body, content_type='application/json'):
        status, _, text = self.request('POST', body.encode('utf-8'), {'Content-Type': content_type})
        if status != 200:
            raise RuntimeError('POST: HTTP {} {}'.format(status, text))
        return json.loads(text)

    def poll_until_final(self, call_id, deadline_s=10):
        updates = []
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            status, _, text = self.request('GET')
            if status != 200:
                raise RuntimeError('GET: HTTP {} {}'.format(status, text))
            updates.extend(json.loads(text))
            if any(m[1] == call_id and m[2]['status'] in ('success', 'error') for m in updates):
                return updates
        raise RuntimeError('no final update for call {}: {}'.format(call_id, updates))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--url', required=True)
    parser.add_argument('--token', required=True)
    parser.add_argument('--other-token', required=True)
    parser.add_argument('--cookie-name', default='ASEXOR_LP_SESSION')
    parser.add_argument('--deadline', type=int, default=40)
    options = parser.parse_args()
    signal.alarm(options.deadline)

    client = Client(options.url, options.cookie_name)
    initial = client.start(options.token)
    cookie = client.cookie()
    if cookie is None:
        raise RuntimeError('the initial GET set no {} cookie the cookie jar accepts'.format(options.cookie_name))
    emit(scenario='start', answer=initial, cookie_length=len(cookie.value), path=cookie.path,
         http_only=cookie.has_nonstandard_attr('HttpOnly'), secure=cookie.secure)

    reply = client.call(1, 'date', ['%Y'], {'utc': True})
    updates = client.poll_until_final(1)
    emit(scenario='date', reply=reply, updates=updates)

    emit(scenario='errors',
         no_such=client.call(2, 'no_such_task'),
         unauthorised=client.call(3, 'admin_only'),
         short=client.post('[5]'),
         malformed=client.post('[1, "date"')[:2],
         wrong_type=client.request('POST', b'[1,"date",{}]', {'Content-Type': 'text/plain'})[0])

    stranger = Client(options.url, options.cookie_name)
    status, headers, _ = stranger.request('POST', b'[1,"date",{}]', {'Content-Type': 'application/json'})
    emit(scenario='no_auth', status=status, www_authenticate=headers.get('WWW-Authenticate'))

    before = cookie.value
    client.start(options.other_token)
    emit(scenario='other_user', new_cookie=client.cookie().value != before)

    emit(done=True)


if __name__ == '__main__':
    try:
        main()
    except Exception as err:  # the traceback goes to stderr; the exit code says it failed
        print('legacy_longpoll.py failed: {!r}'.format(err), file=sys.stderr, flush=True)
        raise
