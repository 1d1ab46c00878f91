#!/usr/bin/env python3
"""An OCR2/OCR3 oracle nobody here wrote: eth-keys (secp256k1), eth-abi and eth-hash (keccak)
from PyPI make ConfigSet fields, config digests, signatures and calldata for the Swift side to
judge, and recover the signers of calldata the Swift side signed. One JSON object on stdout.

  ocr2_oracle.py config N F              ConfigSet fields of N fresh signers (digest computed here)
  ocr2_oracle.py transmit SPEC.json      calldata for {digest, report, keys, ...} and either
                                         {epoch, round} (OCR2 transmit) or {"layout": "ocr3",
                                         seqNr} (OCR3 commit: libocr's ReportToSigData3)
  ocr2_oracle.py recover 0xCALLDATA      the report context, report and recovered signer addresses
"""
import json
import os
import sys

from eth_abi import decode, encode
from eth_hash.auto import keccak
from eth_keys import keys

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SELECTOR = bytes.fromhex("b1dc65a4")
TRANSMIT_TYPES = ["bytes32[3]", "bytes", "bytes32[]", "bytes32[]", "bytes32"]
COMMIT_SELECTOR = keccak(b"commit(bytes32[2],bytes,bytes32[],bytes32[],bytes32)")[:4]
COMMIT_TYPES = ["bytes32[2]", "bytes", "bytes32[]", "bytes32[]", "bytes32"]


def config_digest(f):
    encoded = encode(
        ["uint256", "address", "uint64", "address[]", "address[]", "uint8", "bytes", "uint64", "bytes"],
        [int(f["chainId"]), f["contractAddress"], f["configCount"], f["signers"], f["transmitters"], f["f"],
         bytes.fromhex(f["onchainConfig"][2:]), f["offchainConfigVersion"], bytes.fromhex(f["offchainConfig"][2:])])
    h = keccak(encoded)
    return b"\x00\x01" + h[2:]


def new_key():
    return keys.PrivateKey(os.urandom(32))


def cmd_config(n, faults):
    signer_keys = [new_key() for _ in range(n)]
    fields = {
        "chainId": "137",
        "contractAddress": new_key().public_key.to_checksum_address(),
        "configCount": 3,
        "signers": [k.public_key.to_checksum_address() for k in signer_keys],
        "transmitters": [new_key().public_key.to_checksum_address().lower() for _ in range(n)],
        "f": faults,
        "onchainConfig": "0x" + os.urandom(33).hex(),
        "offchainConfigVersion": 2,
        "offchainConfig": "0x" + os.urandom(70).hex(),
    }
    fields["configDigest"] = "0x" + config_digest(fields).hex()
    return {"fields": fields, "keys": ["0x" + k.to_bytes().hex() for k in signer_keys]}


def cmd_transmit(spec):
    digest = bytes.fromhex(spec["digest"][2:])
    ocr3 = spec.get("layout") == "ocr3"
    if ocr3:
        context = [digest, bytes(24) + spec["seqNr"].to_bytes(8, "big")]
    else:
        context = [digest, bytes(27) + spec["epoch"].to_bytes(4, "big") + bytes([spec["round"]]), bytes.fromhex(spec.get("extraHash", "00" * 32))]
    report = bytes.fromhex(spec["report"])
    h = keccak(keccak(report) + b"".join(context))
    rs, ss, vs = [], [], bytearray(32)
    for i, key_hex in enumerate(spec["keys"]):
        sig = keys.PrivateKey(bytes.fromhex(key_hex[2:])).sign_msg_hash(h)
        r, s, v = sig.r, sig.s, sig.v
        if spec.get("highS"):
            s, v = N - s, v ^ 1
        rs.append(r.to_bytes(32, "big"))
        ss.append(s.to_bytes(32, "big"))
        vs[i] = v
    for i, v in spec.get("setV", {}).items():
        vs[int(i)] = v
    args = encode(COMMIT_TYPES if ocr3 else TRANSMIT_TYPES, [context, report, rs, ss, bytes(vs)])
    calldata = ((COMMIT_SELECTOR if ocr3 else SELECTOR) if spec.get("selector", True) else b"") + args
    return {"calldata": "0x" + calldata.hex(), "hash": "0x" + h.hex()}


def cmd_recover(calldata_hex):
    data = bytes.fromhex(calldata_hex[2:])
    ocr3 = data[:4] == COMMIT_SELECTOR
    if data[:4] in (SELECTOR, COMMIT_SELECTOR):
        data = data[4:]
    context, report, rs, ss, raw_vs = decode(COMMIT_TYPES if ocr3 else TRANSMIT_TYPES, data)
    h = keccak(keccak(report) + b"".join(context))
    signers = []
    for i in range(len(rs)):
        sig = keys.Signature(vrs=(raw_vs[i], int.from_bytes(rs[i], "big"), int.from_bytes(ss[i], "big")))
        signers.append(sig.recover_public_key_from_msg_hash(h).to_checksum_address())
    out = {"digest": "0x" + context[0].hex(), "report": report.hex(), "hash": "0x" + h.hex(), "signers": signers}
    if ocr3:
        out["seqNr"] = int.from_bytes(context[1][24:], "big")
    else:
        out["epoch"], out["round"] = int.from_bytes(context[1][27:31], "big"), context[1][31]
    return out


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "config":
        out = cmd_config(int(sys.argv[2]), int(sys.argv[3]))
    elif command == "transmit":
        with open(sys.argv[2]) as f:
            out = cmd_transmit(json.load(f))
    elif command == "recover":
        out = cmd_recover(sys.argv[2])
    else:
        sys.exit(f"unknown command {command}")
    print(json.dumps(out))
