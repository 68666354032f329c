#include "bench/loadgen/httpupgrade_p.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <random>

namespace farmchat::bench::httpupgrade {

std::string acceptKey(std::string_view key)
{
    QByteArray input(key.data(), static_cast<qsizetype>(key.size()));
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    return QCryptographicHash::hash(input, QCryptographicHash::Sha1).toBase64().toStdString();
}

std::string randomKey(std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    QByteArray raw(16, '\0');
    for (char &c : raw)
        c = static_cast<char>(rng());
    return raw.toBase64().toStdString();
}

std::string upgradeRequest(
    std::string_view host, std::uint16_t port, std::string_view target, std::string_view key)
{
    std::string r;
    r.reserve(256);
    r += "GET ";
    r += target;
    r += " HTTP/1.1\r\nHost: ";
    r += host;
    r += ':';
    r += std::to_string(port);
    r += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
    r += key;
    r += "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: farmchat-loadgen\r\n\r\n";
    return r;
}

std::string negotiateRequest(std::string_view host, std::uint16_t port, std::string_view path)
{
    std::string r = "POST ";
    r += path;
    r += "/negotiate?negotiateVersion=1 HTTP/1.1\r\nHost: ";
    r += host;
    r += ':';
    r += std::to_string(port);
    r += "\r\nContent-Length: 0\r\nConnection: close\r\nUser-Agent: farmchat-loadgen\r\n\r\n";
    return r;
}

std::size_t headerEnd(std::string_view data)
{
    const std::size_t at = data.find("\r\n\r\n");
    return at == std::string_view::npos ? at : at + 4;
}

std::string_view headerValue(std::string_view head, std::string_view name)
{
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        const std::string_view line
            = head.substr(start, (end == std::string_view::npos ? head.size() : end) - start);
        const std::size_t colon = line.find(':');
        if (colon == name.size()
            && std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a))
                       == std::tolower(static_cast<unsigned char>(b));
               })) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
                value.remove_suffix(1);
            return value;
        }
        pos = end;
    }
    return {};
}

int statusCode(std::string_view head)
{
    // "HTTP/1.1 101 Switching Protocols"
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/")
        return -1;
    const std::size_t sp = head.find(' ');
    if (sp == std::string_view::npos)
        return -1;
    int code = -1;
    std::from_chars(head.data() + sp + 1, head.data() + head.size(), code);
    return code;
}

Result<void> checkUpgradeResponse(std::string_view head, std::string_view key)
{
    const int code = statusCode(head);
    if (code != 101) {
        const std::size_t eol = head.find("\r\n");
        const std::string_view line = head.substr(0, eol);
        return Result<void>::failure(QStringLiteral("upgrade refused: ")
            + QString::fromLatin1(line.data(), qsizetype(line.size())));
    }
    if (headerValue(head, "Sec-WebSocket-Accept") != acceptKey(key))
        return Result<void>::failure(
            QStringLiteral("upgrade answer has a wrong Sec-WebSocket-Accept"));
    return {};
}

Result<std::string> negotiateToken(std::string_view body)
{
    using Outcome = Result<std::string>;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(
        QByteArray(body.data(), static_cast<qsizetype>(body.size())), &parseError);
    if (!doc.isObject())
        return Outcome::failure(
            QStringLiteral("negotiate answer is not a JSON object: ") + parseError.errorString());
    const QJsonObject o = doc.object();
    QString token = o.value(QLatin1String("connectionToken")).toString();
    if (token.isEmpty())
        token = o.value(QLatin1String("connectionId")).toString();
    if (token.isEmpty())
        return Outcome::failure(QStringLiteral("negotiate answer has no connectionToken"));
    return QString::fromLatin1(QUrl::toPercentEncoding(token)).toStdString();
}

std::string upgradeResponse(std::string_view key)
{
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: "
        + acceptKey(key) + "\r\n\r\n";
}

} // namespace farmchat::bench::httpupgrade
