#include "redis/redisinfo.h"

#include <QList>

namespace farmchat {

QByteArray redisInfoField(const QByteArray &info, const QByteArray &field)
{
    const QByteArray prefix = field + ':';
    for (const QByteArray &line : info.split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed();
    }
    return {};
}

} // namespace farmchat
