// The same protocol as janitor-async, with the AWS SDK for JavaScript v3:
// read, stage, compare-and-swap, settle.
//   node jssdk_write.cjs SECRET_ID KEY VALUE          one write
//   node jssdk_write.cjs --bulk KEY VALUE ID [ID...]  the same edit on each id, in turn
// The SDK comes from NODE_PATH (bench/compare.sh installs it into a temporary folder).
"use strict";
const crypto = require("node:crypto");
const sm = require("@aws-sdk/client-secrets-manager");

async function write(client, secretId, key, value) {
  const cur = await client.send(new sm.GetSecretValueCommand({ SecretId: secretId, VersionStage: "AWSCURRENT" }));
  const doc = JSON.parse(cur.SecretString);
  doc[key] = value;
  const token = crypto.randomUUID();
  const label = "janitor-pending-" + token;
  await client.send(new sm.PutSecretValueCommand({
    SecretId: secretId, SecretString: JSON.stringify(doc), ClientRequestToken: token, VersionStages: [label],
  }));
  await client.send(new sm.UpdateSecretVersionStageCommand({
    SecretId: secretId, VersionStage: "AWSCURRENT", MoveToVersionId: token, RemoveFromVersionId: cur.VersionId,
  }));
  await client.send(new sm.UpdateSecretVersionStageCommand({
    SecretId: secretId, VersionStage: label, RemoveFromVersionId: token,
  }));
}

async function main() {
  const args = process.argv.slice(2);
  const client = new sm.SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL });
  if (args[0] === "--bulk") {
    const [, key, value, ...ids] = args;
    for (const id of ids) await write(client, id, key, value);
  } else {
    await write(client, args[0], args[1], args[2]);
  }
  client.destroy();
}

main().catch((e) => {
  console.error(e.name + ": " + e.message);
  process.exit(1);
});
