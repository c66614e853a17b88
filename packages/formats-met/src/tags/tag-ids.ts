/** File name (STRING). aMule writes it twice: display name, then the "universal" form. */
export const FT_FILENAME = 0x01;
/** File size (UINT32, or UINT64 for files over 4,290,048,000 bytes). */
export const FT_FILESIZE = 0x02;
/** Part-file name (dropped by both clients from known.met). */
export const FT_PARTFILENAME = 0x12;
/** Permissions (dropped by both clients from known.met). */
export const FT_PERMISSIONS = 0x16;
/** Upload priority (UINT32): 0 low, 1 normal, 2 high, 3 very high, 4 very low, 5 auto, 6 powershare (aMule). */
export const FT_ULPRIORITY = 0x19;
/** Kad keyword publish time (dropped by both clients from known.met). */
export const FT_KADLASTPUBLISHKEY = 0x20;
/** Kad source publish time (UINT32). */
export const FT_KADLASTPUBLISHSRC = 0x21;
/** eMule flags (UINT32), low 4 bits = metadata version. */
export const FT_FLAGS = 0x22;
/** Kad notes publish time (UINT32). */
export const FT_KADLASTPUBLISHNOTES = 0x26;
/** AICH root hash, base32 STRING of 20 bytes (32 chars). */
export const FT_AICH_HASH = 0x27;
/** aMule 3.x last seen time (UINT32); FT_FILEHASH in eMule's opcodes. */
export const FT_LASTSEEN = 0x28;
/** Last time the file was shared (eMule, UINT32). */
export const FT_LASTSHARED = 0x34;
/** AICH hashset BLOB (eMule). */
export const FT_AICHHASHSET = 0x35;
/** High 32 bits of the file size in network packets (not combined in known.met). */
export const FT_FILESIZE_HI = 0x3a;
/** All-time uploaded bytes, low 32 bits (UINT32). */
export const FT_ATTRANSFERRED = 0x50;
/** All-time requests (UINT32). */
export const FT_ATREQUESTED = 0x51;
/** All-time accepted uploads (UINT32). */
export const FT_ATACCEPTED = 0x52;
/** All-time uploaded bytes, high 32 bits (UINT32). */
export const FT_ATTRANSFERREDHI = 0x54;
/** Media artist (STRING). */
export const FT_MEDIA_ARTIST = 0xd0;
/** Media album (STRING). */
export const FT_MEDIA_ALBUM = 0xd1;
/** Media title (STRING). */
export const FT_MEDIA_TITLE = 0xd2;
/** Media length in seconds (UINT32). */
export const FT_MEDIA_LENGTH = 0xd3;
/** Media bitrate (UINT32). */
export const FT_MEDIA_BITRATE = 0xd4;
/** Media codec (STRING). */
export const FT_MEDIA_CODEC = 0xd5;
