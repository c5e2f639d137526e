/*
 * names.c - the stable ids of the public enums.
 *
 * Shared by the library and the table generator, so the names that data/
 * uses and the names the output prints are one list. Each switch has no
 * default: the compiler flags an enum value added without its name.
 */
#include "smtpdiag.h"

const char *smtpdiag_category_name(enum smtpdiag_category c)
{
	switch (c) {
	case SMTPDIAG_CAT_OK: return "ok";
	case SMTPDIAG_CAT_AUTH: return "auth";
	case SMTPDIAG_CAT_SENDER: return "sender";
	case SMTPDIAG_CAT_RELAY: return "relay";
	case SMTPDIAG_CAT_RECIPIENT: return "recipient";
	case SMTPDIAG_CAT_MAILBOX: return "mailbox";
	case SMTPDIAG_CAT_RATE_LIMIT: return "rate-limit";
	case SMTPDIAG_CAT_GREYLIST: return "greylist";
	case SMTPDIAG_CAT_REPUTATION: return "reputation";
	case SMTPDIAG_CAT_SPAM: return "spam";
	case SMTPDIAG_CAT_VIRUS: return "virus";
	case SMTPDIAG_CAT_EMAIL_AUTH: return "email-auth";
	case SMTPDIAG_CAT_TLS: return "tls";
	case SMTPDIAG_CAT_SIZE: return "size";
	case SMTPDIAG_CAT_MESSAGE: return "message";
	case SMTPDIAG_CAT_POLICY: return "policy";
	case SMTPDIAG_CAT_PROTOCOL: return "protocol";
	case SMTPDIAG_CAT_NETWORK: return "network";
	case SMTPDIAG_CAT_SERVER: return "server";
	case SMTPDIAG_CAT_UNKNOWN: return "unknown";
	case SMTPDIAG_CAT_COUNT: break;
	}
	return NULL;
}

const char *smtpdiag_severity_name(enum smtpdiag_severity s)
{
	switch (s) {
	case SMTPDIAG_SUCCESS: return "success";
	case SMTPDIAG_TRANSIENT: return "transient";
	case SMTPDIAG_PERMANENT: return "permanent";
	case SMTPDIAG_SEVERITY_COUNT: break;
	}
	return NULL;
}

const char *smtpdiag_who_name(enum smtpdiag_who w)
{
	switch (w) {
	case SMTPDIAG_WHO_YOU: return "you";
	case SMTPDIAG_WHO_POSTMASTER: return "postmaster";
	case SMTPDIAG_WHO_PROVIDER: return "provider";
	case SMTPDIAG_WHO_RECIPIENT: return "recipient";
	case SMTPDIAG_WHO_NOBODY: return "nobody";
	case SMTPDIAG_WHO_COUNT: break;
	}
	return NULL;
}

const char *smtpdiag_matched_by_name(enum smtpdiag_matched_by m)
{
	switch (m) {
	case SMTPDIAG_BY_TEXT: return "text";
	case SMTPDIAG_BY_STATUS: return "status";
	case SMTPDIAG_BY_CODE: return "code";
	case SMTPDIAG_MATCHED_BY_COUNT: break;
	}
	return NULL;
}

const char *smtpdiag_setting_name(enum smtpdiag_setting s)
{
	switch (s) {
	case SMTPDIAG_SET_SERVER_HOST: return "server.host";
	case SMTPDIAG_SET_SERVER_PORT: return "server.port";
	case SMTPDIAG_SET_SERVER_SECURITY: return "server.security";
	case SMTPDIAG_SET_AUTH_REQUIRED: return "auth.required";
	case SMTPDIAG_SET_AUTH_USERNAME: return "auth.username";
	case SMTPDIAG_SET_AUTH_PASSWORD: return "auth.password";
	case SMTPDIAG_SET_AUTH_METHOD: return "auth.method";
	case SMTPDIAG_SET_SENDER_ADDRESS: return "sender.address";
	case SMTPDIAG_SET_SENDING_THREADS: return "sending.threads";
	case SMTPDIAG_SET_SENDING_RATE: return "sending.rate";
	case SMTPDIAG_SET_SENDING_DAILY_LIMIT: return "sending.daily_limit";
	case SMTPDIAG_SET_MESSAGE_SIZE: return "message.size";
	case SMTPDIAG_SET_MESSAGE_CONTENT: return "message.content";
	case SMTPDIAG_SET_RECIPIENTS_LIST: return "recipients.list";
	case SMTPDIAG_SET_DNS_SPF: return "dns.spf";
	case SMTPDIAG_SET_DNS_DKIM: return "dns.dkim";
	case SMTPDIAG_SET_DNS_DMARC: return "dns.dmarc";
	case SMTPDIAG_SET_DNS_PTR: return "dns.ptr";
	case SMTPDIAG_SET_NETWORK_PROXY: return "network.proxy";
	case SMTPDIAG_SET_NETWORK_FIREWALL: return "network.firewall";
	case SMTPDIAG_SET_ACCOUNT_WEB: return "account.web";
	case SMTPDIAG_SETTING_COUNT: break;
	}
	return NULL;
}
