from lienthong.services.identity.server import main

main()
