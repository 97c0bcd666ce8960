/* pcapng numbers (draft-ietf-opsawg-pcapng §4, §3.5, Appendix A): block types, the byte-order
 * magic and the option codes siptrail uses, shared by the reader (decoders/pcapng_reader.c)
 * and the writer (userspace/sources/pcapng_write.c). */
#ifndef SIPTRAIL_PCAPNG_FORMAT_H
#define SIPTRAIL_PCAPNG_FORMAT_H

#define PCAPNG_BT_SHB 0x0a0d0d0au /* also the file's magic: the same in both byte orders */
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_PB  0x00000002u /* obsolete Packet Block (Appendix A) */
#define PCAPNG_BT_SPB 0x00000003u
#define PCAPNG_BT_NRB 0x00000004u
#define PCAPNG_BT_ISB 0x00000005u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BT_DSB 0x0000000au
#define PCAPNG_BT_CB  0x00000badu
#define PCAPNG_BT_DCB 0x40000badu

#define PCAPNG_BYTE_ORDER_MAGIC 0x1a2b3c4du

#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT  1
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_TSRESOL   9
#define PCAPNG_IF_TSOFFSET  14

#endif
