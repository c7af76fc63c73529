// The roles are written against these modules through ServiceKit; re-exporting keeps each role's imports to one line.
@_exported import HTTPClient
@_exported import HTTPTypes
@_exported import Hummingbird
@_exported import Logging
@_exported import Storage
