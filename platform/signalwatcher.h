#pragma once

#include <QObject>

namespace farmchat {

// Turns the OS's "please stop" (SIGTERM, SIGINT, SIGHUP; Ctrl-C/Ctrl-Break/
// close on Windows) into a Qt signal delivered on the event loop, so servers
// and supervisors can shut down in order. One instance per process.
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    // `name` is e.g. "SIGTERM"; emitted once per request.
    void terminationRequested(const QString &name);

private:
    void dispatch(int number);
};

} // namespace farmchat
