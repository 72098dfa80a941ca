# SPDX-License-Identifier: Apache-2.0
"""rawkafka.py - hand-made record batches for the integration tests.

librdkafka's producer only writes well-formed batches, and the mock cluster
stores whatever a Produce request carries (it checks the magic byte and the
record count, nothing else). To give the daemon's consumer a batch it
cannot read, this module builds a RecordBatch v2 by hand (optionally with a
wrong CRC, a compression codec whose payload is garbage, or a codec that
does not exist) and sends it in a ProduceRequest v3 straight to the
partition's leader. Standard library plus confluent_kafka (for metadata)."""
import socket
import struct
import time

_CRC32C = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _varint(n):
    n = (n << 1) ^ (n >> 63)  # zigzag
    out = b''
    while True:
        b = n & 0x7F
        n >>= 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def record(delta, key, value):
    """One v2 record at offset delta of its batch, without headers."""
    body = b'\x00' + _varint(0) + _varint(delta)
    body += _varint(-1) if key is None else _varint(len(key)) + key
    body += _varint(-1) if value is None else _varint(len(value)) + value
    body += _varint(0)
    return _varint(len(body)) + body


def batch(payload, count, attributes=0, bad_crc=False):
    """A RecordBatch v2 of count records whose (possibly compressed)
    records are payload. attributes' low 3 bits are the codec (1 gzip,
    ... 5-7 do not exist)."""
    ts = int(time.time() * 1000)
    tail = struct.pack('>hiqqqhii', attributes, count - 1, ts, ts, -1, -1,
                       -1, count) + payload
    crc = crc32c(tail) ^ (0x5A5A if bad_crc else 0)
    return struct.pack('>qiibI', 0, 4 + 1 + 4 + len(tail), 0, 2, crc) + tail


def _str(s):
    b = s.encode()
    return struct.pack('>h', len(b)) + b


def _recv(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError('connection closed by the broker')
        buf += chunk
    return buf


def leader(bootstrap, topic, partition, timeout=10):
    """(host, port) of the partition's leader."""
    from confluent_kafka import Consumer
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'rawkafka'})
    try:
        md = c.list_topics(topic, timeout=timeout)
        broker = md.brokers[md.topics[topic].partitions[partition].leader]
        return broker.host, broker.port
    finally:
        c.close()


def produce(bootstrap, topic, partition, records, timeout=10):
    """Appends the batch bytes `records` to the partition. Returns the base
    offset the broker gave it; raises on an error answer."""
    host, port = leader(bootstrap, topic, partition, timeout)
    body = struct.pack('>hhi', 0, 3, 1) + _str('rawkafka')
    body += struct.pack('>hhii', -1, -1, int(timeout * 1000), 1) + _str(topic)
    body += struct.pack('>iii', 1, partition, len(records)) + records
    with socket.create_connection((host, port), timeout) as sock:
        sock.sendall(struct.pack('>i', len(body)) + body)
        size = struct.unpack('>i', _recv(sock, 4))[0]
        resp = _recv(sock, size)
    off = 4 + 4  # correlation id, topic count
    off += 2 + struct.unpack_from('>h', resp, off)[0] + 4 + 4
    err, base = struct.unpack_from('>hq', resp, off)
    if err:
        raise RuntimeError('Produce to %s [%d]: error %d'
                           % (topic, partition, err))
    return base
