// Checks over the stand-ins' records and over tool results, each returning a list of problems
// (empty when all is well) so that a failing assertion names every fault at once.
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { bearerOf } from './http_util.mjs';
import { kAccessibleResources } from './jira_front.mjs';
import { fingerprint } from './jwt.mjs';
import { kJiraResource } from './zone.mjs';

// The exchanges a subject token took part in, successful or not.
export function exchangesOf(records, subjectToken) {
  return records.exchanges.filter((e) => e.subjectToken === subjectToken);
}

// Every Jira request in `jira` must carry, as a Bearer token, a token the zone issued for
// `subjectToken`; the subject token itself must appear nowhere in it; every /ex/jira path must
// name `cloudId`; Prism must have found no contract violation and answered below 400.
export function jiraRequestProblems(jira, { exchanges, subjectToken, cloudId }) {
  const issued = new Map(exchanges.filter((e) => e.ok).map((e) => [e.issuedToken, e]));
  const problems = [];
  for (const r of jira) {
    const where = `#${r.seq} ${r.method} ${r.path}`;
    const token = bearerOf(r.authorization);
    const raw = `${r.authorization ?? ''} ${r.path} ${r.body}`;
    if (raw.includes(subjectToken)) {
      problems.push(`${where}: carries the subject token (${fingerprint(subjectToken)})`);
    }
    if (token === undefined) {
      const kind = r.authorization ? 'another scheme' : 'none';
      problems.push(`${where}: no Bearer token (Authorization: ${kind})`);
    } else if (!issued.has(token)) {
      problems.push(
        `${where}: Bearer ${fingerprint(token)} is not a token the zone issued for this subject`);
    }
    const pathname = r.path.split('?')[0];
    if (pathname !== kAccessibleResources && !pathname.startsWith(`/ex/jira/${cloudId}/`)) {
      problems.push(`${where}: not under /ex/jira/${cloudId}/`);
    }
    for (const v of r.violations) {
      problems.push(`${where}: contract violation ${JSON.stringify(v)}`);
    }
    if (r.status >= 400) {
      problems.push(`${where}: answered ${r.status}`);
    }
  }
  return problems;
}

// The exchange that issued the token of Jira request `r`, if any.
export function exchangeFor(r, exchanges) {
  const token = bearerOf(r.authorization);
  return exchanges.find((e) => e.ok && e.issuedToken === token);
}

export function scopeSet(exchange) {
  return new Set((exchange?.scope ?? '').split(' ').filter(Boolean));
}

// Each exchange asked for the Jira resource exactly, authenticated as the test client.
export function exchangeProblems(exchanges, { clientId }) {
  const problems = [];
  for (const e of exchanges) {
    const where = `exchange #${e.seq}`;
    if (!e.ok) {
      problems.push(`${where}: failed with ${e.error} (${e.errorDescription})`);
    }
    if (e.resource.length !== 1 || e.resource[0] !== kJiraResource) {
      problems.push(`${where}: resource ${JSON.stringify(e.resource)}, want ["${kJiraResource}"]`);
    }
    if (e.clientId !== clientId) {
      problems.push(`${where}: client ${e.clientId}, want ${clientId}`);
    }
  }
  return problems;
}

// Jira requests to /ex/jira (not the site lookup) in a window of records.
export function apiRequests(jira) {
  return jira.filter((r) => r.path.startsWith('/ex/jira/'));
}

function validatorFor(schema) {
  const draft7 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
  const ajv = draft7 ? new Ajv({ allErrors: true, strict: false })
    : new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

// Validates `value` against a tool's output schema with a validator of our own (Ajv, JSON Schema
// 2020-12 unless the schema names draft-07). Returns the problems.
export function schemaProblems(schema, value) {
  let validate;
  try {
    validate = validatorFor(schema);
  } catch (e) {
    return [`the schema does not compile: ${e.message}`];
  }
  if (validate(value)) {
    return [];
  }
  return validate.errors.map((err) => `${err.instancePath || '/'} ${err.message}`);
}

// The text of a tool result's content blocks, joined.
export function resultText(result) {
  return (result.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}
