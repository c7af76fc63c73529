#ifndef C_MONGOC_SHIM_H
#define C_MONGOC_SHIM_H
#include <mongoc/mongoc.h>
#include <bson/bson.h>
#endif
