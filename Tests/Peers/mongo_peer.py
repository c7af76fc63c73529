"""A MongoDB wire-protocol test peer on 127.0.0.1: mockupdb speaks the protocol, mongomock-ng is the query engine.

It answers the commands VoiceInvoice's libmongoc engine sends (hello/isMaster, ping, createIndexes, dropIndexes, insert, find,
update, delete, findAndModify, aggregate (for countDocuments), endSessions) the way a standalone mongod would, taking care of what a naive
mockupdb + mongomock server gets wrong: int64 values stay int64 (also after `$inc`), `_id` comes first, and duplicate
keys produce mongod's error 11000 in a `writeErrors` array (or as the command error of findAndModify).
It runs one request at a time and never uses indexes: it checks logic and wire plumbing, not performance.

Usage: python mongo_peer.py [--port N]   (prints "PORT <n>" once listening; stops when stdin closes)
"""

import argparse
import sys
import threading
from collections import OrderedDict

import mockupdb
import mongomock_ng as mongomock
from bson.int64 import Int64
from pymongo import ReturnDocument
from bson.son import SON

ENGINE = mongomock.MongoClient()
LOCK = threading.Lock()


def id_first(document):
    if document is None or "_id" not in document:
        return document
    ordered = SON([("_id", document["_id"])])
    for key, value in document.items():
        if key != "_id":
            ordered[key] = value
    return ordered


def duplicate_error(collection, error):
    """mongod's wording: E11000 duplicate key error collection: db.coll index: name dup key: { field: value }."""
    details = getattr(error, "details", None) or {}
    pattern = details.get("keyPattern") or {}
    value = details.get("keyValue") or {}
    index = "_".join(f"{key}_{direction}" for key, direction in pattern.items()) or "_id_"
    shown = ", ".join(f"{key}: {value[key]!r}" for key in value)
    return f"E11000 duplicate key error collection: {collection.full_name} index: {index} dup key: {{ {shown} }}"


def keep_int64(document, update):
    """mongomock turns int64 fields it increments into plain ints (sent back as int32): restore int64."""
    if document is None:
        return None
    for field, amount in (update.get("$inc") or {}).items():
        if isinstance(amount, Int64) and field in document:
            document[field] = Int64(document[field])
    return document


def handle(request):
    command = request.doc
    name = next(iter(command)) if command else ""
    # Drivers open every connection with a legacy OP_QUERY isMaster/hello; everything after that is OP_MSG.
    if not isinstance(request, mockupdb.OpMsg) and name.lower() not in ("ismaster", "hello"):
        return request.command_err(code=352, errmsg="only OP_MSG is supported after the handshake")
    database = ENGINE[command.get("$db", "test")]
    with LOCK:
        try:
            return dispatch(request, name, command, database)
        except Exception as error:  # a peer bug must show up as a command error, not a dropped connection
            return request.command_err(code=1, errmsg=f"peer error in {name}: {type(error).__name__}: {error}")


def dispatch(request, name, command, database):
    lowered = name.lower()
    if lowered in ("hello", "ismaster"):
        return request.ok(OrderedDict([
            ("ismaster", True), ("isWritablePrimary", True), ("helloOk", True), ("maxBsonObjectSize", 16777216),
            ("maxMessageSizeBytes", 48000000), ("maxWriteBatchSize", 100000), ("minWireVersion", 0), ("maxWireVersion", 13),
        ]))
    if lowered in ("ping", "endsessions", "buildinfo", "getlasterror"):
        return request.ok()
    collection = database[command[name]] if isinstance(command.get(name), str) else None

    if name == "createIndexes":
        for index in command["indexes"]:
            options = {key: index[key] for key in ("sparse", "partialFilterExpression") if key in index}
            collection.create_index(list(index["key"].items()), unique=bool(index.get("unique", False)), name=index["name"], **options)
        return request.ok(createdCollectionAutomatically=False, numIndexesBefore=1, numIndexesAfter=1 + len(command["indexes"]))

    if name == "dropIndexes":
        # As MongoDB answers: code 27 IndexNotFound when there is no index of that name.
        if command["index"] not in collection.index_information():
            return request.command_err(code=27, errmsg="index not found with name [%s]" % command["index"])
        collection.drop_index(command["index"])
        return request.ok(nIndexesWas=1 + len(collection.index_information()))

    if name == "insert":
        inserted, errors = 0, []
        for position, document in enumerate(request.docs[1:] if len(request.docs) > 1 else command.get("documents", [])):
            try:
                collection.insert_one(document)
                inserted += 1
            except mongomock.DuplicateKeyError as error:
                errors.append({"index": position, "code": 11000, "errmsg": duplicate_error(collection, error)})
                if command.get("ordered", True):
                    break
        reply = {"n": inserted}
        if errors:
            reply["writeErrors"] = errors
        return request.ok(reply)

    if name == "find":
        cursor = collection.find(command.get("filter", {}), projection=command.get("projection"))
        if command.get("sort"):
            cursor = cursor.sort(list(command["sort"].items()))
        if command.get("skip"):
            cursor = cursor.skip(int(command["skip"]))
        if command.get("limit"):
            cursor = cursor.limit(abs(int(command["limit"])))
        batch = [id_first(document) for document in cursor]
        return request.ok(cursor={"id": Int64(0), "ns": collection.full_name, "firstBatch": batch})

    if name == "aggregate":
        # What countDocuments sends ($match then $group); mongomock runs the pipeline.
        batch = [id_first(document) for document in collection.aggregate(command.get("pipeline", []))]
        return request.ok(cursor={"id": Int64(0), "ns": collection.full_name, "firstBatch": batch})

    if name == "update":
        matched, modified, upserted, errors = 0, 0, [], []
        updates = request.docs[1:] if len(request.docs) > 1 else command.get("updates", [])
        for position, spec in enumerate(updates):
            query, update = spec["q"], spec["u"]
            is_operator = any(key.startswith("$") for key in update)
            try:
                if is_operator:
                    result = (collection.update_many if spec.get("multi") else collection.update_one)(query, update, upsert=bool(spec.get("upsert")))
                else:
                    result = collection.replace_one(query, update, upsert=bool(spec.get("upsert")))
            except mongomock.DuplicateKeyError as error:
                errors.append({"index": position, "code": 11000, "errmsg": duplicate_error(collection, error)})
                continue
            matched += result.matched_count
            modified += result.modified_count
            if result.upserted_id is not None:
                upserted.append({"index": position, "_id": result.upserted_id})
        reply = {"n": matched + len(upserted), "nModified": modified}
        if upserted:
            reply["upserted"] = upserted
        if errors:
            reply["writeErrors"] = errors
        return request.ok(reply)

    if name == "delete":
        removed = 0
        deletes = request.docs[1:] if len(request.docs) > 1 else command.get("deletes", [])
        for spec in deletes:
            result = (collection.delete_one if spec.get("limit", 0) == 1 else collection.delete_many)(spec["q"])
            removed += result.deleted_count
        return request.ok(n=removed)

    if name == "findAndModify":
        update = command.get("update")
        sort = list(command["sort"].items()) if command.get("sort") else None
        try:
            if command.get("remove"):
                document = collection.find_one_and_delete(command.get("query", {}), sort=sort)
            else:
                document = collection.find_one_and_update(
                    command.get("query", {}), update, upsert=bool(command.get("upsert")), sort=sort,
                    return_document=ReturnDocument.AFTER if command.get("new") else ReturnDocument.BEFORE,
                )
        except mongomock.DuplicateKeyError as error:
            return request.command_err(code=11000, errmsg=duplicate_error(collection, error))
        document = keep_int64(document, update or {})
        return request.ok(value=id_first(document), lastErrorObject={"n": 0 if document is None else 1, "updatedExisting": document is not None})

    return request.command_err(code=59, errmsg=f"no such command: '{name}'")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = mockupdb.MockupDB(port=args.port, auto_ismaster=False, max_wire_version=13, request_timeout=30)
    server.autoresponds(mockupdb.Matcher(), handle)
    port = server.run()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
