#include "redis/hirediscommand_p.h"

#include <hiredis/async.h>

#include <vector>

namespace farmchat {

int sendHiredisCommand(redisAsyncContext *context,
    void (*callback)(redisAsyncContext *, void *, void *), void *privdata,
    const QList<QByteArray> &arguments)
{
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (const QByteArray &argument : arguments) {
        argv.push_back(argument.constData());
        lengths.push_back(size_t(argument.size()));
    }
    return redisAsyncCommandArgv(
        context, callback, privdata, int(argv.size()), argv.data(), lengths.data());
}

} // namespace farmchat
