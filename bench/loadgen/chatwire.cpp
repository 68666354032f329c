#include "bench/loadgen/chatwire.h"

#include <charconv>

namespace farmchat::bench::chatwire {

const char *kindName(WireKind kind)
{
    switch (kind) {
    case WireKind::SignalR:
        return "signalr";
    case WireKind::SocketIo:
        return "socketio";
    case WireKind::Raw:
        return "raw";
    }
    return "?";
}

Result<WireKind> parseKind(std::string_view name)
{
    for (WireKind k : {WireKind::SignalR, WireKind::SocketIo, WireKind::Raw}) {
        if (name == kindName(k))
            return k;
    }
    return Result<WireKind>::failure(
        QStringLiteral("unknown protocol '%1'")
            .arg(QString::fromUtf8(name.data(), qsizetype(name.size()))));
}

void appendTaggedText(std::string &out, Tag tag, std::size_t textBytes)
{
    const std::size_t start = out.size();
    char digits[24];
    out += "L#";
    out.append(digits, std::to_chars(digits, digits + sizeof digits, tag.seq).ptr);
    out += '.';
    out.append(digits, std::to_chars(digits, digits + sizeof digits, tag.sentNs).ptr);
    out += '~';
    const std::size_t n = out.size() - start;
    if (textBytes > n)
        out.append(textBytes - n, 'x');
}

bool findTag(std::string_view payload, Tag &tag)
{
    const std::size_t at = payload.find("L#");
    if (at == std::string_view::npos)
        return false;
    const char *p = payload.data() + at + 2;
    const char *end = payload.data() + payload.size();
    auto r = std::from_chars(p, end, tag.seq);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != '.')
        return false;
    r = std::from_chars(r.ptr + 1, end, tag.sentNs);
    return r.ec == std::errc() && r.ptr != end && *r.ptr == '~';
}

std::string upgradeTarget(WireKind kind, std::string_view path, std::string_view token)
{
    std::string target(path.empty() ? "/" : path);
    switch (kind) {
    case WireKind::SignalR:
        if (!token.empty()) {
            target += target.find('?') == std::string::npos ? "?id=" : "&id=";
            target += token;
        }
        break;
    case WireKind::SocketIo:
        if (target.back() != '/')
            target += '/';
        target += "?EIO=4&transport=websocket";
        break;
    case WireKind::Raw:
        break;
    }
    return target;
}

std::string signalrHandshake()
{
    return std::string(R"({"protocol":"json","version":1})") + kRecordSeparator;
}

std::string signalrPing()
{
    return std::string(R"({"type":6})") + kRecordSeparator;
}

void appendJsonString(std::string &out, std::string_view value)
{
    out += '"';
    for (char c : value) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[(c >> 4) & 0xF];
                out += hex[c & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendSignalrInvocation(std::string &out, std::string_view target, std::string_view room,
    std::string_view text, std::string_view invocationId)
{
    out += R"({"type":1,)";
    if (!invocationId.empty()) {
        out += R"("invocationId":)";
        appendJsonString(out, invocationId);
        out += ',';
    }
    out += R"("target":)";
    appendJsonString(out, target);
    out += R"(,"arguments":[)";
    appendJsonString(out, room);
    if (!text.empty()) {
        out += ',';
        appendJsonString(out, text);
    }
    out += "]}";
    out += kRecordSeparator;
}

int signalrType(std::string_view record)
{
    const std::size_t at = record.find(R"("type":)");
    if (at == std::string_view::npos)
        return record.find_first_not_of(" \t\r\n{}") == std::string_view::npos ? 0 : -1;
    int type = -1;
    const char *p = record.data() + at + 7;
    while (p < record.data() + record.size() && *p == ' ')
        ++p;
    std::from_chars(p, record.data() + record.size(), type);
    return type;
}

void appendSocketIoEvent(std::string &out, std::string_view event, std::string_view room,
    std::string_view text, int ackId)
{
    out += "42";
    if (ackId >= 0)
        out += std::to_string(ackId);
    out += '[';
    appendJsonString(out, event);
    out += ',';
    if (text.empty()) {
        appendJsonString(out, room);
    } else {
        out += R"({"room":)";
        appendJsonString(out, room);
        out += R"(,"text":)";
        appendJsonString(out, text);
        out += '}';
    }
    out += ']';
}

} // namespace farmchat::bench::chatwire
