#!/usr/bin/env python3
"""Prepares a running moto server for the tests.

   moto-setup.py URL [--auth]

Without --auth: prints shell assignments for dummy credentials.
With --auth: creates an IAM user with an access key and an allow-all policy, then switches on
moto's request authentication (POST 0 to /moto-api/reset-auth), so every later request must carry
a valid SigV4 signature; prints shell assignments for the new key.
"""
import sys
import urllib.request

import boto3

url = sys.argv[1]
auth = "--auth" in sys.argv[2:]
if not auth:
    print("export AWS_ACCESS_KEY_ID=AKIDTESTTESTTEST AWS_SECRET_ACCESS_KEY=testsecretkeytestsecretkey")
    sys.exit(0)

iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="AKIDBOOTSTRAP", aws_secret_access_key="bootstrap")
iam.create_user(UserName="tl-test")
pol = iam.create_policy(PolicyName="tl-allow-all", PolicyDocument=(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'))
iam.attach_user_policy(UserName="tl-test", PolicyArn=pol["Policy"]["Arn"])
key = iam.create_access_key(UserName="tl-test")["AccessKey"]
req = urllib.request.Request(url + "/moto-api/reset-auth", data=b"0", method="POST",
                             headers={"Content-Type": "text/plain"})
urllib.request.urlopen(req).read()
print("export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s" % (key["AccessKeyId"], key["SecretAccessKey"]))
