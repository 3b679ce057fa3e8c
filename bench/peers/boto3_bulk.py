# The same protocol with boto3 over many secrets in one process (a loop).
import json, sys, uuid
import boto3

key, value, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
c = boto3.client("secretsmanager")
for secret_id in ids:
    cur = c.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    doc = json.loads(cur["SecretString"])
    doc[key] = value
    token = str(uuid.uuid4())
    c.put_secret_value(SecretId=secret_id, SecretString=json.dumps(doc), ClientRequestToken=token,
                       VersionStages=["janitor-pending-" + token])
    c.update_secret_version_stage(SecretId=secret_id, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                  RemoveFromVersionId=cur["VersionId"])
    c.update_secret_version_stage(SecretId=secret_id, VersionStage="janitor-pending-" + token,
                                  RemoveFromVersionId=token)
