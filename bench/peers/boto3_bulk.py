# The same protocol with boto3 over many secrets in one process (a loop).
#   python3 boto3_bulk.py KEY VALUE ID [ID...]
import os, sys
import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boto3_write import write  # noqa: E402

key, value, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
c = boto3.client("secretsmanager")
for secret_id in ids:
    write(c, secret_id, key, value)
