/** A small valid scenario file (register, two DCs) that tests extend with the fields they are about. */
export const BASE_SCENARIO = `name: t
duration: 5s
protocol: { name: register }
topology:
  datacenters:
    - { name: a, nodes: 2 }
    - { name: b, nodes: [x1, x2] }
`;
