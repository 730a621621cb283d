"""Storage: the only layer that imports PynamoDB or botocore.

Every invariant (the tenant key limit, a group in use, a key's status) is a condition on a
write or a transaction here, never a read followed by a write.
"""
