#include "platform/signalwatcher.h"

#include <QMetaObject>
#include <QPointer>

#include <windows.h>

namespace farmchat {

namespace {

QPointer<SignalWatcher> g_watcher;

BOOL WINAPI onConsoleEvent(DWORD type)
{
    // Runs on a thread the system creates: hand over to the event loop.
    if (!g_watcher)
        return FALSE;
    QMetaObject::invokeMethod(
        g_watcher.data(),
        [type] {
            if (g_watcher)
                Q_EMIT g_watcher->terminationRequested(
                    type == CTRL_C_EVENT ? QStringLiteral("Ctrl-C") : QStringLiteral("Ctrl-Break"));
        },
        Qt::QueuedConnection);
    return TRUE;
}

} // namespace

SignalWatcher::SignalWatcher(QObject *parent) : QObject(parent)
{
    g_watcher = this;
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

SignalWatcher::~SignalWatcher()
{
    SetConsoleCtrlHandler(onConsoleEvent, FALSE);
}

void SignalWatcher::dispatch(int number)
{
    Q_UNUSED(number);
}

} // namespace farmchat
