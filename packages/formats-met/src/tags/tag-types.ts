/** HASH16: 16 raw bytes. */
export const TAG_TYPE_HASH16 = 0x01;
/** STRING: uint16 length + bytes (maybe a UTF-8 BOM). */
export const TAG_TYPE_STRING = 0x02;
/** UINT32: 4 bytes. */
export const TAG_TYPE_UINT32 = 0x03;
/** FLOAT32: 4 bytes IEEE-754. */
export const TAG_TYPE_FLOAT32 = 0x04;
/** BOOL: 1 byte. */
export const TAG_TYPE_BOOL = 0x05;
/** BOOLARRAY: uint16 bit count + `floor(bits / 8) + 1` bytes. */
export const TAG_TYPE_BOOLARRAY = 0x06;
/** BLOB: uint32 length + bytes. */
export const TAG_TYPE_BLOB = 0x07;
/** UINT16: 2 bytes. */
export const TAG_TYPE_UINT16 = 0x08;
/** UINT8: 1 byte. */
export const TAG_TYPE_UINT8 = 0x09;
/** BSOB: uint8 length + bytes. Rejected in `.met` files (`unknown-tag-type`). */
export const TAG_TYPE_BSOB = 0x0a;
/** UINT64: 8 bytes. */
export const TAG_TYPE_UINT64 = 0x0b;
/** STR1: the first of STR1..STR16 (type `0x10 + n`: exactly `n` string bytes, no length prefix). */
export const TAG_TYPE_STR1 = 0x11;
/** STR16: the last of STR1..STR16. */
export const TAG_TYPE_STR16 = 0x20;
/** Bit set in the type byte of a compact ("new ed2k") tag header: a 1-byte id follows. */
export const TAG_COMPACT_FLAG = 0x80;

/** Friendly name of every tag type accepted in `.met` files; `str` covers STR1..STR16. */
export type MetTagTypeName =
  | "hash16"
  | "string"
  | "uint32"
  | "float32"
  | "bool"
  | "boolarray"
  | "blob"
  | "uint16"
  | "uint8"
  | "uint64"
  | "str";
