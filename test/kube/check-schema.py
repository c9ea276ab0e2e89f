#!/usr/bin/python3
"""Checks Kubernetes YAML (on stdin) against the API's own types, offline: each document is read
into the official Python client's model for its kind (python3-kubernetes, generated from the
Kubernetes OpenAPI schema), which refuses missing required fields and wrong types; writing the
model back must give the same document, so an unknown or misspelt field shows as a difference.
Prints "ok KIND NAME" per document; exits 1 with the reason on the first problem."""
import json
import sys

import yaml
from kubernetes import client

MODELS = {
    ('v1', 'Pod'): 'V1Pod', ('v1', 'ConfigMap'): 'V1ConfigMap', ('v1', 'Secret'): 'V1Secret',
    ('v1', 'PersistentVolumeClaim'): 'V1PersistentVolumeClaim', ('v1', 'Service'): 'V1Service',
    ('apps/v1', 'Deployment'): 'V1Deployment', ('apps/v1', 'DaemonSet'): 'V1DaemonSet', ('batch/v1', 'Job'): 'V1Job',
}


class Response:
    def __init__(self, doc):
        self.data = json.dumps(doc)


def main():
    api = client.ApiClient()
    for doc in yaml.safe_load_all(sys.stdin):
        if doc is None:
            continue
        model = MODELS.get((doc.get('apiVersion'), doc.get('kind')))
        if model is None:
            print(f"unknown kind {doc.get('apiVersion')}/{doc.get('kind')}")
            return 1
        try:
            obj = api.deserialize(Response(doc), model)
        except (ValueError, TypeError) as e:
            print(f"{doc['kind']} {doc.get('metadata', {}).get('name')}: {e}")
            return 1
        back = api.sanitize_for_serialization(obj)
        if back != doc:
            print(f"{doc['kind']} {doc.get('metadata', {}).get('name')}: fields the API does not know or types it changed:")
            print(json.dumps({'given': doc, 'as_read': back}, indent=1, sort_keys=True))
            return 1
        print(f"ok {doc['kind']} {doc['metadata']['name']}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
