// A browser cannot send `authorization: Bearer` when it follows a link, so the queue dashboard
// also accepts a session cookie: POST /admin/session with the admin token sets it. The cookie is
// signed with a key derived from the admin token (nothing to store; rotating the token ends every
// session), HttpOnly, SameSite=Strict (no other site can make the browser send it: the dashboard's
// retry/clean buttons are not reachable cross-site), scoped to /admin, Secure under TLS.
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'marquee_admin';
/** a working day */
export const SESSION_SECONDS = 8 * 3600;

export interface AdminSession {
  issue(reply: FastifyReply): void;
  clear(reply: FastifyReply): void;
  valid(req: FastifyRequest): boolean;
}

export function adminSession(adminToken: string, secure: boolean): AdminSession {
  const key = createHmac('sha256', adminToken).update('marquee admin session cookie v1').digest('hex');
  const sign = (value: string) => `${value}.${createHmac('sha256', key).update(value).digest('base64url')}`;
  const options = { path: '/admin', httpOnly: true, sameSite: 'strict' as const, secure };
  return {
    issue(reply) {
      const expires = Date.now() + SESSION_SECONDS * 1000;
      reply.setCookie(COOKIE, sign(String(expires)), { ...options, maxAge: SESSION_SECONDS });
    },
    clear(reply) {
      reply.clearCookie(COOKIE, options);
    },
    valid(req) {
      const raw = req.cookies?.[COOKIE];
      if (!raw) return false;
      const dot = raw.lastIndexOf('.');
      const value = raw.slice(0, dot);
      // compare as HMACs: constant time whatever the attacker sent
      const given = createHmac('sha256', key).update(raw).digest();
      const expected = createHmac('sha256', key).update(sign(value)).digest();
      return dot > 0 && given.equals(expected) && Number(value) > Date.now();
    },
  };
}
