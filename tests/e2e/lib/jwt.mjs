// Compact JWS (RFC 7515) decoding and RS256 verification with node:crypto, for the zone
// stand-in's check of subject tokens. Deliberately small: one algorithm, one precise reason per
// failure, no library of ours or theirs in between.
import crypto from 'node:crypto';

// A JWT's three parts decoded; throws on anything that is not three base64url JSON parts.
export function decodeJwt(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) {
    throw new Error('not a compact JWS (expected three parts)');
  }
  const [h, p, s] = parts;
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
    signature: Buffer.from(s, 'base64url'),
  };
}

// Verifies an RS256 JWT against a JWK Set. Returns {ok: true, payload} or {ok: false, reason}.
// `issuer` must match `iss` exactly; `nowS` is seconds since the epoch; `leewayS` applies to
// exp and nbf.
export function verifyRs256(token, jwks, { issuer, nowS, leewayS = 30 }) {
  let jwt;
  try {
    jwt = decodeJwt(token);
  } catch (e) {
    return { ok: false, reason: `malformed: ${e.message}` };
  }

  if (jwt.header.alg !== 'RS256') {
    return { ok: false, reason: `alg ${jwt.header.alg} not allowed` };
  }

  const jwk = (jwks.keys ?? []).find((k) => k.kid === jwt.header.kid);
  if (!jwk) {
    return { ok: false, reason: `unknown kid ${jwt.header.kid}` };
  }

  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  if (!crypto.verify('RSA-SHA256', jwt.signingInput, key, jwt.signature)) {
    return { ok: false, reason: 'bad signature' };
  }

  const claims = jwt.payload;
  if (claims.iss !== issuer) {
    return { ok: false, reason: `iss ${claims.iss} is not ${issuer}` };
  }
  if (typeof claims.exp !== 'number' || claims.exp + leewayS <= nowS) {
    return { ok: false, reason: 'expired' };
  }
  if (typeof claims.nbf === 'number' && claims.nbf - leewayS > nowS) {
    return { ok: false, reason: 'not yet valid' };
  }
  return { ok: true, payload: claims };
}

// A short, non-reversible name for a token, safe to print.
export function fingerprint(token) {
  return crypto.createHash('sha256').update(String(token)).digest('hex').slice(0, 12);
}
