#include "tests/support/freeport.h"

#include <QTcpServer>

namespace farmchat::test {

quint16 findFreePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

} // namespace farmchat::test
