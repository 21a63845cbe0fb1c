// Who may frame the billing page: only the org's own Lightning pages, so the admin console can show
// it in an iframe and no other site can (clickjacking). Salesforce serves Lightning from
// `<mydomain>.lightning.force.com` and the classic UI from `<mydomain>.my.salesforce.com`, where
// <mydomain> keeps its sandbox/scratch/develop part: `acme--uat.sandbox.my.salesforce.com` has
// `acme--uat.sandbox.lightning.force.com`. Every other page keeps `frame-ancestors 'none'`.

const MY_DOMAIN = /^([a-z0-9-]+(?:\.(?:sandbox|scratch|develop|demo|patch|trailblaze))?)\.my\.salesforce\.com$/;

/** The origins allowed to frame the org's billing page, from its connection's instance URL. */
export function lightningOrigins(instanceUrl: string): string[] {
  const url = new URL(instanceUrl);
  const match = MY_DOMAIN.exec(url.hostname);
  // Not a My Domain host (the sandbox's local org emulator): only the instance itself.
  if (!match || url.protocol !== 'https:') return [url.origin];
  return [`https://${match[1]}.lightning.force.com`, `https://${match[1]}.my.salesforce.com`];
}
