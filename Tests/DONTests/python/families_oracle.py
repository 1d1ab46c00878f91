#!/usr/bin/env python3
"""A Data Streams and Keystone oracle nobody here wrote: eth-keys (secp256k1), eth-abi and
eth-hash (keccak) from PyPI make configs, reports and signatures from the formulas in the
contracts' and codecs' sources, for the Swift side to judge, and recover the signers of reports
the Swift side signed. One JSON object on stdout.

Data Streams (chainlink-evm llo-feeds Verifier, chainlink-data-streams llo/reportcodec/evm):
  families_oracle.py ds-config N F          v0.3 Verifier ConfigSet fields, digest 0x0006 computed here
  families_oracle.py ds-report SPEC.json    a signed v3 report: {digest, seqNr, donId, keys,
                                            observationsTimestamp, expiresAt, feedId, highS, setV}
  families_oracle.py ds-recover 0xDATA      its context, v3 fields and recovered signers
Keystone (chainlink-evm keystone/KeystoneForwarder.sol):
  families_oracle.py ks-config N F          ConfigSet(donId, configVersion, f, signers)
  families_oracle.py ks-report SPEC.json    report(receiver, rawReport, reportContext, signatures)
                                            calldata: {donId, configVersion, timestamp, seqNr,
                                            digest, body, keys, highS, setV, selector}
  families_oracle.py ks-recover 0xDATA      its metadata, seqNr and recovered signers
"""
import json
import os
import sys

from eth_abi import decode, encode
from eth_hash.auto import keccak
from eth_keys import keys

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SIGNED_REPORT = ["bytes32[3]", "bytes", "bytes32[]", "bytes32[]", "bytes32"]
V3 = ["bytes32", "uint32", "uint32", "uint192", "uint192", "uint32", "int192", "int192", "int192"]
FORWARDER = ["address", "bytes", "bytes", "bytes[]"]
FORWARDER_SELECTOR = keccak(b"report(address,bytes,bytes,bytes[])")[:4]


def new_key():
    return keys.PrivateKey(os.urandom(32))


def sign(h, key_hex, high_s):
    sig = keys.PrivateKey(bytes.fromhex(key_hex[2:])).sign_msg_hash(h)
    r, s, v = sig.r, sig.s, sig.v
    if high_s:
        s, v = N - s, v ^ 1
    return r, s, v


def recover(h, r, s, v):
    sig = keys.Signature(vrs=(v, r, s))
    return sig.recover_public_key_from_msg_hash(h).to_checksum_address()


def ds_config(n, faults):
    signer_keys = [new_key() for _ in range(n)]
    f = {
        "feedId": "0x0003" + os.urandom(30).hex(),
        "chainId": "42161",
        "contractAddress": new_key().public_key.to_checksum_address(),
        "configCount": 2,
        "signers": [k.public_key.to_checksum_address() for k in signer_keys],
        "offchainTransmitters": ["0x" + os.urandom(32).hex() for _ in range(n)],
        "f": faults,
        "onchainConfig": "0x" + os.urandom(64).hex(),
        "offchainConfigVersion": 30,
        "offchainConfig": "0x" + os.urandom(90).hex(),
    }
    # The v0.3 Verifier's _configDigestFromConfigData, prefix 0x0006.
    h = keccak(encode(
        ["bytes32", "uint256", "address", "uint64", "address[]", "bytes32[]", "uint8", "bytes", "uint64", "bytes"],
        [bytes.fromhex(f["feedId"][2:]), int(f["chainId"]), f["contractAddress"], f["configCount"], f["signers"],
         [bytes.fromhex(t[2:]) for t in f["offchainTransmitters"]], f["f"], bytes.fromhex(f["onchainConfig"][2:]),
         f["offchainConfigVersion"], bytes.fromhex(f["offchainConfig"][2:])]))
    f["configDigest"] = "0x" + (b"\x00\x06" + h[2:]).hex()
    return {"fields": f, "keys": ["0x" + k.to_bytes().hex() for k in signer_keys]}


def ds_report(spec):
    digest = bytes.fromhex(spec["digest"][2:])
    seq = spec["seqNr"]
    # LegacyReportContext: epoch = seqNr / 256, round = seqNr % 256; LLOExtraHash(donId).
    epoch, rnd = seq // 256, seq % 256
    don = spec.get("donId", 0)
    extra = ((don << 32) | 1).to_bytes(32, "big") if don else bytes(32)
    context = [digest, bytes(27) + epoch.to_bytes(4, "big") + bytes([rnd]), extra]
    ts = spec["observationsTimestamp"]
    report = encode(V3, [bytes.fromhex(spec.get("feedId", "0x0003" + "00" * 30)[2:]), ts - 1, ts, 10**15, 2 * 10**15,
                         spec["expiresAt"], 3 * 10**21, -(5 * 10**18), 3 * 10**21 + 7])
    h = keccak(keccak(report) + b"".join(context))
    rs, ss, vs = [], [], bytearray(32)
    for i, k in enumerate(spec["keys"]):
        r, s, v = sign(h, k, spec.get("highS"))
        rs.append(r.to_bytes(32, "big"))
        ss.append(s.to_bytes(32, "big"))
        vs[i] = v
    for i, v in spec.get("setV", {}).items():
        vs[int(i)] = v
    data = encode(SIGNED_REPORT, [context, report, rs, ss, bytes(vs)])
    return {"data": "0x" + data.hex(), "hash": "0x" + h.hex()}


def ds_recover(data_hex):
    context, report, rs, ss, raw_vs = decode(SIGNED_REPORT, bytes.fromhex(data_hex[2:]))
    h = keccak(keccak(report) + b"".join(context))
    fields = decode(V3, report)
    return {
        "digest": "0x" + context[0].hex(), "hash": "0x" + h.hex(),
        "seqNr": int.from_bytes(context[1][27:31], "big") * 256 + context[1][31],
        "extraHash": "0x" + context[2].hex(),
        "feedId": "0x" + fields[0].hex(), "observationsTimestamp": fields[2], "expiresAt": fields[5],
        "benchmarkPrice": str(fields[6]), "bid": str(fields[7]), "ask": str(fields[8]),
        "signers": [recover(h, int.from_bytes(rs[i], "big"), int.from_bytes(ss[i], "big"), raw_vs[i]) for i in range(len(rs))],
    }


def ks_config(n, faults):
    signer_keys = [new_key() for _ in range(n)]
    return {"fields": {"donId": int.from_bytes(os.urandom(3), "big") + 1, "configVersion": 3, "f": faults,
                       "signers": [k.public_key.to_checksum_address() for k in signer_keys]},
            "keys": ["0x" + k.to_bytes().hex() for k in signer_keys]}


def ks_report(spec):
    # _getMetadata's layout: version, workflow_execution_id, timestamp, don_id, don_config_version,
    # workflow_cid, workflow_name, workflow_owner, report_id (109 bytes), then the report.
    metadata = (bytes([1]) + keccak(b"execution " + str(spec["seqNr"]).encode()) + spec["timestamp"].to_bytes(4, "big")
                + spec["donId"].to_bytes(4, "big") + spec["configVersion"].to_bytes(4, "big") + keccak(b"workflow cid")
                + b"oracletest" + bytes.fromhex("ab" * 20) + bytes.fromhex("0007"))
    assert len(metadata) == 109
    raw = metadata + bytes.fromhex(spec.get("body", "feed"))
    # The OCR3 capability keyring's context: digest, uint32(seqNr) as epoch, round 0, zero extra hash.
    context = bytes.fromhex(spec["digest"][2:]) + bytes(27) + (spec["seqNr"] & 0xFFFFFFFF).to_bytes(4, "big") + b"\x00" + bytes(32)
    h = keccak(keccak(raw) + context)
    sigs = []
    for i, k in enumerate(spec["keys"]):
        r, s, v = sign(h, k, spec.get("highS"))
        v = spec.get("setV", {}).get(str(i), v)
        sigs.append(r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v]))
    args = encode(FORWARDER, ["0x" + "cd" * 20, raw, context, sigs])
    data = (FORWARDER_SELECTOR if spec.get("selector", True) else b"") + args
    return {"data": "0x" + data.hex(), "hash": "0x" + h.hex()}


def ks_recover(data_hex):
    data = bytes.fromhex(data_hex[2:])
    if data[:4] == FORWARDER_SELECTOR:
        data = data[4:]
    receiver, raw, context, sigs = decode(FORWARDER, data)
    h = keccak(keccak(raw) + context)
    return {
        "hash": "0x" + h.hex(), "receiver": receiver,
        "timestamp": int.from_bytes(raw[33:37], "big"), "donId": int.from_bytes(raw[37:41], "big"),
        "configVersion": int.from_bytes(raw[41:45], "big"), "reportId": "0x" + raw[107:109].hex(),
        "seqNr": int.from_bytes(context[59:63], "big"),
        "signers": [recover(h, int.from_bytes(s[0:32], "big"), int.from_bytes(s[32:64], "big"), s[64]) for s in sigs],
    }


if __name__ == "__main__":
    command, arg = sys.argv[1], sys.argv[2:]
    if command == "ds-config":
        out = ds_config(int(arg[0]), int(arg[1]))
    elif command == "ds-report":
        with open(arg[0]) as f:
            out = ds_report(json.load(f))
    elif command == "ds-recover":
        out = ds_recover(arg[0])
    elif command == "ks-config":
        out = ks_config(int(arg[0]), int(arg[1]))
    elif command == "ks-report":
        with open(arg[0]) as f:
            out = ks_report(json.load(f))
    elif command == "ks-recover":
        out = ks_recover(arg[0])
    else:
        sys.exit(f"unknown command {command}")
    print(json.dumps(out))
