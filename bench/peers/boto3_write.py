# The same protocol as janitor-async, with boto3: read, stage, compare-and-swap, settle.
#   python3 boto3_write.py SECRET_ID KEY VALUE   (boto3_bulk.py loops over write())
import json, sys, uuid
import boto3


def write(c, secret_id, key, value):
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


if __name__ == "__main__":
    write(boto3.client("secretsmanager"), sys.argv[1], sys.argv[2], sys.argv[3])
